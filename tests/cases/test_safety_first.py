"""Safety first: a hazard or an immediate threat flagged on every face, its own clock, the city's emergency advice
to the resident and the CSR, queues that put it first (PK-HAZARD), and PK-ANON for allegations however filed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.channels.api.tokens import issue_token
from civicdesk.channels.open311.keys import issue_key
from civicdesk.domain.cases import actions
from civicdesk.domain.cases.models import Case, Purpose, Resolution, Status
from civicdesk.engines.standards import ProfileError, load_profile, parse_profile
from tests.fixtures.city import RESIDENT, City, city_under, new_complaint
from tests.fixtures.clock import local

pytestmark = pytest.mark.django_db

ADVICE = "If anyone is hurt or in danger, call 911 now."
V2 = "/open311/v2"


def _portal(city: City) -> str:
    return reverse("portal:report_for", args=[city.jurisdiction.slug])


def _request_form(city: City, service: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "service_request",
        "service": city.service(service).pk,
        "description": "A wire is hanging low over the sidewalk by the park.",
        "address": "1 The Esplanade",
        "language": "en",
        **extra,
    }


def test_pk_hazard_portal_form_flags_a_hazard_and_shows_the_emergency_advice(city, now) -> None:
    now.set(local(2026, 11, 17, 10, 0))
    page = Client().get(_portal(city)).content.decode()
    assert 'name="hazard"' in page
    assert ADVICE in page  # before the resident sends anything: do not wait for this form

    client = Client()
    response = client.post(_portal(city), _request_form(city, "GRAFFITI", hazard="on", name="Pat Resident"))
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert case.hazard is True
    # GRAFFITI is no hazard by itself: the resident's flag starts PK-HAZARD, inspected by Wednesday's close.
    assert case.commitments.get(purpose=Purpose.INSPECT).due_at == local(2026, 11, 18, 16, 30)
    sent = client.get(reverse("portal:sent")).content.decode()
    assert ADVICE in sent


def test_pk_hazard_portal_confirmation_of_an_ordinary_report_carries_no_emergency_advice(city, now) -> None:
    client = Client()
    client.post(_portal(city), _request_form(city, "GRAFFITI", name="Pat Resident"))
    assert ADVICE not in client.get(reverse("portal:sent")).content.decode()


def test_pk_hazard_open311_service_definition_asks_the_safety_question(city) -> None:
    body = Client().get(f"{V2}/services/GRAFFITI.json").json()
    (safety,) = [a for a in body["attributes"] if a["code"] == "SAFETY"]
    assert safety["datatype"] == "singlevaluelist"
    assert [v["key"] for v in safety["values"]] == ["hazard", "immediate_threat"]
    assert ADVICE in safety["datatype_description"]
    listed = {s["service_code"]: s for s in Client().get(f"{V2}/services.json").json()}
    assert listed["GRAFFITI"]["metadata"] is True


def test_pk_hazard_open311_client_flags_an_immediate_threat_and_is_told_the_advice(city, now) -> None:
    key = issue_key(client_name="FixMyStreet")[1]
    client = Client()
    form = {"api_key": key, "service_code": "GRAFFITI", "address_string": "1 The Esplanade", "first_name": "Pat"}
    bad = client.post(f"{V2}/requests.json", {**form, "attribute[SAFETY]": "urgent"})
    assert bad.status_code == 400
    assert "attribute[SAFETY]" in bad.json()[0]["description"]
    assert not Case.objects.exists()

    response = client.post(f"{V2}/requests.json", {**form, "attribute[SAFETY]": "immediate_threat"})
    assert response.status_code == 200, response.content
    (body,) = response.json()
    case = Case.objects.get(reference=body["service_request_id"])
    assert (case.hazard, case.safety_threat, case.safety_rank) == (True, True, 2)
    assert body["service_notice"].startswith(ADVICE)
    assert "(PK-HAZARD)" in body["service_notice"]


def test_pk_hazard_queues_mark_hazards_and_put_threats_then_hazards_first(city, now) -> None:
    now.set(local(2026, 11, 16, 9, 0))  # Monday: acknowledged by Tuesday 16:30
    ordinary = new_complaint(city, service="TREE-PRUNE")
    now.set(local(2026, 11, 17, 10, 0))
    hazard = new_complaint(city, service="TREE-PRUNE", hazard=True)
    now.set(local(2026, 11, 17, 11, 0))
    threat = new_complaint(city, service="TREE-PRUNE", safety_threat=True)
    desk = Client()
    desk.force_login(city.csr)

    def order() -> list[str]:
        page = desk.get(reverse("desk:queue", args=["care"])).content.decode()
        return sorted((c.reference for c in (ordinary, hazard, threat)), key=page.index)

    page = desk.get(reverse("desk:queue", args=["care"])).content.decode()
    assert "Immediate threat" in page
    assert "badge--hazard" in page
    assert order() == [threat.reference, hazard.reference, ordinary.reference]

    # Inspected, the hazard no longer jumps the queue: Monday's case, due Tuesday, is ahead of it (due Wednesday).
    actions.record_update(case=hazard, actor=city.forestry_staff, update="inspected", note="Limb is sound")
    hazard.refresh_from_db()
    assert hazard.safety_rank == 0
    assert order() == [threat.reference, ordinary.reference, hazard.reference]


def test_pk_hazard_the_desk_tells_the_csr_the_emergency_advice(city, now) -> None:
    desk = Client()
    desk.force_login(city.csr)
    guidance = desk.get(
        reverse("desk:intake_guidance"),
        {"kind": "service_request", "channel": "phone", "safety_threat": "on", "description": "Wires down"},
    ).content.decode()
    assert ADVICE in guidance
    threat = new_complaint(city, safety_threat=True)
    assert ADVICE in desk.get(reverse("desk:case", args=[threat.reference])).content.decode()
    ordinary = new_complaint(city)
    assert ADVICE not in desk.get(reverse("desk:case", args=[ordinary.reference])).content.decode()


def test_pk_hazard_the_api_tells_the_same_story_as_the_desk(city, now) -> None:
    threat = new_complaint(city, safety_threat=True)
    token = issue_token(user=city.csr)[1]
    body = Client().get(f"/api/v1/cases/{threat.reference}", headers={"Authorization": f"Bearer {token}"}).json()
    assert body["safety_rank"] == 2
    assert body["emergency_notice"].startswith(ADVICE)


SHORTER = """
[[standards]]
id = "PK-THREAT"
purpose = "acknowledge"
description = "An immediate threat to safety is acknowledged within two business hours"
kinds = ["complaint", "service_request"]
condition = "immediate_threat"
clock = "business_hours"
target = 2
"""


def test_pk_hazard_a_profile_gives_an_immediate_threat_its_own_shorter_standard(city, now, tmp_path: Path) -> None:
    shipped = load_profile("pickering").path
    assert shipped is not None
    mine = tmp_path / "pickering-threats.toml"
    mine.write_text(shipped.read_text(encoding="utf-8").replace("[[standards]]", SHORTER + "\n[[standards]]", 1))
    city = city_under(city, str(mine))
    now.set(local(2026, 11, 17, 15, 30))  # Tuesday 15:30; the office closes at 16:30
    threat = new_complaint(city, safety_threat=True)
    # One open hour today (15:30-16:30), one more from Wednesday's 08:30 opening: 09:30.
    assert threat.commitments.get(standard="PK-THREAT").due_at == local(2026, 11, 18, 9, 30)
    assert not new_complaint(city).commitments.filter(standard="PK-THREAT").exists()


def test_emergency_notice_in_a_language_the_profile_does_not_speak_is_refused_at_load() -> None:
    path = load_profile("lawrence").path
    assert path is not None
    text = path.read_text(encoding="utf-8")
    with pytest.raises(ProfileError, match=r"lawrence.toml:\d+: emergency.notice.fr: 'fr' is not one of"):
        parse_profile(
            text.replace("[emergency.notice]\n", '[emergency.notice]\nfr = "Composez le 911"\n'), "lawrence.toml"
        )


@pytest.mark.parametrize("name", ["pickering", "lawrence", "pittsburg", "miami-beach", "santa-ana"])
def test_every_shipped_profile_gives_emergency_advice_in_its_first_language(name: str) -> None:
    profile = load_profile(name)
    assert (profile.emergency_notice(profile.languages[0]) or "").startswith(ADVICE)


# --- PK-ANON: anonymous allegations, however filed --------------------------------------------------


def test_pk_anon_an_anonymous_service_request_alleging_a_by_law_breach_is_not_investigated(city, now) -> None:
    key = issue_key(client_name="FixMyStreet")[1]
    client = Client()
    form = {"api_key": key, "service_code": "NOISE", "address_string": "12 Elm St", "description": "Loud party"}
    (body,) = client.post(f"{V2}/requests.json", form).json()
    anonymous = Case.objects.get(reference=body["service_request_id"])
    assert (anonymous.investigate, anonymous.status, anonymous.resolution) == (
        False,
        Status.CLOSED,
        Resolution.NOT_INVESTIGATED,
    )
    assert not anonymous.commitments.exists()

    # The exception: an immediate threat to safety is investigated, named or not.
    (body,) = client.post(f"{V2}/requests.json", {**form, "attribute[SAFETY]": "immediate_threat"}).json()
    threat = Case.objects.get(reference=body["service_request_id"])
    assert (threat.investigate, threat.status) == (True, Status.OPEN)


def test_pk_anon_the_same_allegation_from_a_named_resident_is_investigated(city, now) -> None:
    case = actions.create_case(
        jurisdiction=city.jurisdiction,
        actor=city.csr,
        kind="service_request",
        channel="phone",
        service=city.service("PARKING"),
        description="A truck has been parked across my driveway since Monday.",
        contact=actions.ContactDetails(**RESIDENT),
    ).case
    assert (case.investigate, case.status) == (True, Status.OPEN)


def test_pk_anon_an_anonymous_request_for_an_ordinary_service_is_still_worked(city, now) -> None:
    response = Client().post(_portal(city), _request_form(city, "GRAFFITI"))
    assert response.status_code == 302
    assert Case.objects.get().investigate is True


def test_pk_anon_the_portal_and_the_api_apply_it_to_allegations_too(city, now) -> None:
    response = Client().post(_portal(city), _request_form(city, "PROPERTY", description="Junk piled in the yard"))
    assert response.status_code == 302
    assert Case.objects.get().resolution == Resolution.NOT_INVESTIGATED
    token = issue_token(user=city.csr)[1]
    created = Client().post(
        "/api/v1/cases",
        json.dumps(
            {"kind": "service_request", "channel": "phone", "service": "NOISE", "description": "Dog barking all night"}
        ),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.content
    assert created.json()["investigate"] is False
