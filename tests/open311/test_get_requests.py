"""GET requests, GET one request, servicerequestupdates: filters, paging, extensions and the standards fields."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.platform import timesource
from tests.fixtures.clock import NOW
from tests.open311.conftest import Open311, errors_of, validate, xml_root

LOCATION = {"lat": "43.835400", "long": "-79.086700"}


def _report(o311: Open311, code: str = "GRAFFITI", **form: Any) -> str:
    response = o311.post(service_code=code, **{**LOCATION, "description": f"{code} report", **form})
    assert response.status_code == 200, response.content
    return str(response.json()[0]["service_request_id"])


def _staff(username: str) -> Any:
    from civicdesk.domain.staff.models import User

    return User.objects.get(username=username)


def _phone_case(city: Any, code: str = "SIGN", **extra: Any) -> Any:
    from civicdesk.domain.cases import actions
    from civicdesk.domain.city.models import Service

    return actions.create_case(
        jurisdiction=city.jurisdiction,
        actor=_staff("csr.alex"),
        kind="service_request",
        channel="phone",
        service=Service.objects.get(jurisdiction=city.jurisdiction, code=code),
        description="Caller Sam Okafor says the stop sign at Brock Rd is knocked down",
        address="Brock Rd & Finch Ave",
        contact=actions.ContactDetails(name="Sam Okafor", email="sam@example.org", phone="905-555-0142"),
        **extra,
    ).case


def test_list_validates_against_the_schema_with_string_ids_and_offsets(o311: Open311, city: Any) -> None:
    ids = [_report(o311, "GRAFFITI"), _report(o311, "POTHOLE"), _report(o311, "PARK")]
    response = o311.get("requests.json")
    assert response.status_code == 200
    body = response.json()
    validate("requests.json", body)
    assert [r["service_request_id"] for r in body] == list(reversed(ids)) or {
        r["service_request_id"] for r in body
    } == set(ids)
    for request in body:
        assert isinstance(request["service_request_id"], str)
        assert isinstance(request["service_code"], str)
        assert request["requested_datetime"] == "2026-11-17T10:00:00-05:00"
        assert request["agency_responsible"]
        assert request["status"] == "open"


def test_xml_list_has_service_requests_request_with_the_spec_fields(o311: Open311, city: Any) -> None:
    _report(o311)
    root = xml_root(o311.get("requests.xml"))
    assert root.tag == "service_requests"
    (request,) = list(root)
    assert request.tag == "request"
    assert [e.tag for e in request] == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]
    assert request.findtext("lat") == "43.8354"
    assert request.findtext("expected_datetime") == "2026-11-18T16:30:00-05:00"


def test_expected_datetime_notice_and_status_notes_follow_the_standards(o311: Open311, city: Any) -> None:
    """PK-ACK-1BD: received Tuesday 10:00 → acknowledged by Wednesday 16:30; then the agreed timeline."""
    from civicdesk.domain.cases import actions
    from civicdesk.domain.cases.models import Case

    request_id = _report(o311, "POTHOLE")
    (request,) = o311.get(f"requests/{request_id}.json").json()
    validate("request.json", request)
    assert request["expected_datetime"] == "2026-11-18T16:30:00-05:00"
    assert request["service_notice"] == (
        "Acknowledged within 1 business day (PK-ACK-1BD); hazard inspected within 1 business day (PK-HAZARD)"
    )
    assert request["status_notes"] is None

    case = Case.objects.get(reference=request_id)
    actions.acknowledge_case(
        case=case, actor=_staff("csr.alex"), message="Roads will inspect the pothole by tomorrow afternoon."
    )
    actions.record_update(case=case, actor=_staff("staff.roads"), update="inspected", note="Inspected: 12 cm deep.")
    timeline = NOW + timedelta(days=10)
    actions.record_update(
        case=case,
        actor=_staff("staff.roads"),
        update="action_planned",
        note="Crew booked to fill it.",
        timeline=timeline,
        public=True,
    )
    (request,) = o311.get(f"requests/{request_id}.json").json()
    assert request["expected_datetime"] == "2026-11-27T10:00:00-05:00"
    assert request["service_notice"] == "Completed by Friday 27 November 2026 (PK-UPDATE)"
    assert request["status_notes"] == "Crew booked to fill it."

    case.refresh_from_db()
    actions.record_update(case=case, actor=_staff("staff.roads"), update="resident_advised", note="Filled today.")
    from civicdesk.domain.cases.models import Commitment

    Commitment.objects.filter(case=case, purpose="complete").update(state="met", met_at=timesource.now())
    actions.close_case(case=case, actor=_staff("staff.roads"), note="Pothole filled.")
    (request,) = o311.get(f"requests/{request_id}.json").json()
    validate("request.json", request)
    assert request["status"] == "closed"
    assert request["expected_datetime"] is None
    assert request["service_notice"] is None
    assert request["status_notes"] == "Pothole filled."


def test_paused_clocks_have_no_expected_datetime(o311: Open311, city: Any) -> None:
    from civicdesk.domain.cases import actions
    from civicdesk.domain.cases.models import Case

    request_id = _report(o311, "GRAFFITI")
    actions.pause_clocks(
        case=Case.objects.get(reference=request_id),
        actor=_staff("care.admin"),
        waiting_on="resident",
        reason="Need photo",
    )
    (request,) = o311.get(f"requests/{request_id}.json").json()
    assert request["expected_datetime"] is None
    assert request["service_notice"].endswith("paused while the city waits for information")


def test_service_request_id_list_overrides_every_other_filter(o311: Open311, city: Any) -> None:
    first, second, third = _report(o311, "GRAFFITI"), _report(o311, "PARK"), _report(o311, "POTHOLE")
    body = o311.get(
        "requests.json", service_request_id=f"{first}, {third},999999999", service_code="PARK", status="closed"
    ).json()
    assert {r["service_request_id"] for r in body} == {first, third}
    assert second not in {r["service_request_id"] for r in body}


def test_service_code_and_status_take_comma_lists(o311: Open311, city: Any) -> None:
    from civicdesk.domain.cases import actions
    from civicdesk.domain.cases.models import Case

    graffiti, park, pothole = _report(o311, "GRAFFITI"), _report(o311, "PARK"), _report(o311, "POTHOLE")
    assert {r["service_request_id"] for r in o311.get("requests.json", service_code="GRAFFITI,PARK").json()} == {
        graffiti,
        park,
    }
    case = Case.objects.get(reference=park)
    actions.redirect_case(case=case, actor=_staff("csr.alex"), reason="Regional road.", redirect_to="Durham Region")
    assert [r["service_request_id"] for r in o311.get("requests.json", status="closed").json()] == [park]
    assert {r["service_request_id"] for r in o311.get("requests.json", status="open,closed").json()} == {
        graffiti,
        park,
        pothole,
    }
    response = o311.get("requests.json", status="pending")
    assert response.status_code == 400
    assert "status 'pending'" in errors_of(response)[0]["description"]


def test_date_range_defaults_to_90_days_and_is_capped(o311: Open311, city: Any) -> None:
    old = _report(o311)
    with timesource.frozen_at(NOW + timedelta(days=100)):
        recent = _report(o311)
        assert [r["service_request_id"] for r in o311.get("requests.json").json()] == [recent]
        body = o311.get("requests.json", start_date="2026-11-01T00:00:00Z", end_date="2026-12-01T00:00:00-05:00").json()
        assert [r["service_request_id"] for r in body] == [old]
        only_start = o311.get("requests.json", start_date="2026-11-17").json()
        assert {r["service_request_id"] for r in only_start} == {old}
        too_long = o311.get("requests.json", start_date="2026-01-01T00:00:00Z", end_date="2026-12-01T00:00:00Z")
        assert too_long.status_code == 400
        assert "more than 90 days" in errors_of(too_long)[0]["description"]
        backwards = o311.get("requests.xml", start_date="2026-12-01T00:00:00Z", end_date="2026-11-01T00:00:00Z")
        assert backwards.status_code == 400
        assert "must not be after" in errors_of(backwards)[0]["description"]
        garbage = o311.get("requests.json", start_date="yesterday")
        assert garbage.status_code == 400
        assert "start_date 'yesterday'" in errors_of(garbage)[0]["description"]


def test_an_unencoded_plus_in_an_offset_is_understood(o311: Open311, city: Any) -> None:
    request_id = _report(o311)
    response = o311.client.get(
        "/open311/v2/requests.json?start_date=2026-11-17T14:00:00+00:00&end_date=2026-11-17T16:00:00+00:00"
    )
    assert [r["service_request_id"] for r in response.json()] == [request_id]


def test_page_and_page_size(o311: Open311, city: Any) -> None:
    ids = []
    for minute in range(5):
        with timesource.frozen_at(NOW - timedelta(minutes=5 - minute)):
            ids.append(_report(o311))
    newest_first = list(reversed(ids))
    assert [r["service_request_id"] for r in o311.get("requests.json", page_size=2).json()] == newest_first[:2]
    assert [r["service_request_id"] for r in o311.get("requests.json", page_size=2, page=3).json()] == newest_first[4:]
    assert o311.get("requests.json", page_size=2, page=4).json() == []
    for bad in ({"page_size": "0"}, {"page_size": "1001"}, {"page": "-1"}, {"page": "two"}):
        response = o311.get("requests.json", **bad)
        assert response.status_code == 400
        errors_of(response)


def test_updated_after_and_before(o311: Open311, city: Any) -> None:
    from civicdesk.domain.cases import actions
    from civicdesk.domain.cases.models import Case

    first, second = _report(o311), _report(o311, "PARK")
    with timesource.frozen_at(NOW + timedelta(hours=2)):
        actions.acknowledge_case(case=Case.objects.get(reference=second), actor=_staff("csr.alex"), message="Noted.")
    body = o311.get("requests.json", updated_after="2026-11-17T11:00:00-05:00").json()
    assert [r["service_request_id"] for r in body] == [second]
    body = o311.get("requests.json", updated_before="2026-11-17T11:00:00-05:00").json()
    assert [r["service_request_id"] for r in body] == [first]


def test_extensions_add_channel_duplicate_and_public_notes_only(o311: Open311, city: Any) -> None:
    from civicdesk.domain.cases import actions
    from civicdesk.domain.cases.models import Case

    parent_id, duplicate_id = _report(o311, "POTHOLE"), _report(o311, "POTHOLE")
    parent, duplicate = Case.objects.get(reference=parent_id), Case.objects.get(reference=duplicate_id)
    actions.acknowledge_case(case=parent, actor=_staff("csr.alex"), message="Roads will look at it today.")
    actions.record_update(
        case=parent, actor=_staff("staff.roads"), update="note", note="INTERNAL: crew short-staffed", public=False
    )
    actions.link_duplicate(case=duplicate, actor=_staff("csr.alex"), parent=parent)

    plain = o311.get(f"requests/{parent_id}.json").json()[0]
    assert "notes" not in plain
    assert "extended_attributes" not in plain
    body = o311.get("requests.json", extensions="true").json()
    validate("requests.json", body)
    by_id = {r["service_request_id"]: r for r in body}
    assert by_id[duplicate_id]["extended_attributes"] == {
        "channel": "open311",
        "duplicate": True,
        "parent_service_request_id": parent_id,
    }
    assert by_id[parent_id]["extended_attributes"]["duplicate"] is False
    notes = by_id[parent_id]["notes"]
    assert [n["type"] for n in notes] == ["created", "routed", "acknowledged"]
    assert notes[2]["description"] == "Roads will look at it today."
    assert all(n["datetime"].endswith("-05:00") for n in notes)
    assert "INTERNAL" not in o311.get("requests.json", extensions="true").content.decode()
    root = xml_root(o311.get(f"requests/{parent_id}.xml", extensions="true"))
    assert [n.tag for n in root.find("request/notes")] == ["note", "note", "note"]
    assert root.findtext("request/extended_attributes/channel") == "open311"


def test_get_one_request_and_unknown_ids(o311: Open311, city: Any) -> None:
    request_id = _report(o311)
    (request,) = o311.get(f"requests/{request_id}.json").json()
    validate("request.json", request)
    root = xml_root(o311.get(f"requests/{request_id}.xml"))
    assert root.tag == "service_requests"
    assert [r.tag for r in root] == ["request"]
    for missing in ("123456789", "abc", "%20"):
        response = o311.get(f"requests/{missing}.json")
        assert response.status_code == 404
        errors_of(response)


def test_cases_of_hidden_services_are_not_published(o311: Open311, city: Any) -> None:
    from civicdesk.domain.city.models import Service

    request_id = _report(o311, "DITCH")
    Service.objects.filter(jurisdiction=city.jurisdiction, code="DITCH").update(public=False)
    assert o311.get("requests.json").json() == []
    assert o311.get(f"requests/{request_id}.json").status_code == 404


def test_cases_from_other_channels_are_listed_without_the_residents_words(o311: Open311, city: Any) -> None:
    case = _phone_case(city)
    (request,) = o311.get("requests.json").json()
    assert request["service_request_id"] == case.reference
    assert request["description"] is None  # taken down by phone: the resident's words stay inside
    assert request["address"] == "Brock Rd & Finch Ave"
    assert request["service_notice"].startswith("Acknowledged within 1 business day (PK-ACK-1BD)")


def test_list_query_count_does_not_grow_with_rows(o311: Open311, city: Any) -> None:
    for code in ("GRAFFITI", "POTHOLE"):
        _report(o311, code)
    with CaptureQueriesContext(connection) as few:
        assert len(o311.get("requests.json", extensions="true").json()) == 2
    for code in ("PARK", "SIGN", "SIDEWALK", "NOISE", "TREE-DOWN", "FLOODING"):
        _report(o311, code)
    with CaptureQueriesContext(connection) as many:
        assert len(o311.get("requests.json", extensions="true").json()) == 8
    assert len(many) == len(few) <= 10


def test_servicerequestupdates_for_fixmystreet(o311: Open311, city: Any) -> None:
    from civicdesk.domain.cases import actions
    from civicdesk.domain.cases.models import Case

    request_id = _report(o311, "GRAFFITI")
    case = Case.objects.get(reference=request_id)
    with timesource.frozen_at(NOW + timedelta(hours=1)):
        actions.acknowledge_case(case=case, actor=_staff("csr.alex"), message="Parks will remove it this week.")
    with timesource.frozen_at(NOW + timedelta(hours=3)):
        actions.record_update(case=case, actor=_staff("staff.parks"), update="note", note="private", public=False)
        actions.record_update(case=case, actor=_staff("staff.parks"), update="resident_advised", note="Removed.")
        actions.close_case(case=case, actor=_staff("staff.parks"), note="Graffiti removed.")

    window = {"start_date": "2026-11-17T10:30:00-05:00", "end_date": "2026-11-17T14:00:00-05:00"}
    with timesource.frozen_at(NOW + timedelta(hours=4)):
        body = o311.get("servicerequestupdates.json", api_key=o311.key, **window).json()
        root = xml_root(o311.get("servicerequestupdates.xml", **window))
    assert [(u["status"], u["description"]) for u in body] == [
        ("open", "Parks will remove it this week."),
        ("open", "Removed."),
        ("closed", "Graffiti removed."),
    ]
    assert all(u["service_request_id"] == request_id and isinstance(u["update_id"], str) for u in body)
    assert body[0]["updated_datetime"] == "2026-11-17T11:00:00-05:00"
    assert body[2]["external_status_code"] == "resolved"
    assert root.tag == "service_request_updates"
    assert {u.tag for u in root} == {"request_update"}
    assert [e.tag for e in root[0]] == [
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
        "external_status_code",
    ]
    bad = o311.get("servicerequestupdates.xml", start_date="2026-01-01T00:00:00Z", end_date="2026-11-01T00:00:00Z")
    assert bad.status_code == 400
    errors_of(bad)


def test_an_invalid_api_key_on_a_read_is_403(o311: Open311, city: Any) -> None:
    response = o311.get("requests.json", api_key="o311_not-a-key")
    assert response.status_code == 403
    assert o311.get("requests.json", api_key=o311.key).status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_list_endpoint_answers_get_and_head(o311: Open311, city: Any, fmt: str) -> None:
    for path in ("services", "requests", "servicerequestupdates"):
        assert o311.client.get(f"/open311/v2/{path}.{fmt}").status_code == 200
        assert o311.client.head(f"/open311/v2/{path}.{fmt}").status_code == 200


def test_pages_merge_open_and_closed_requests_in_time_order(o311: Open311, city: Any) -> None:
    from civicdesk.domain.cases import actions
    from civicdesk.domain.cases.models import Case

    ids = []
    for minute in range(7):
        with timesource.frozen_at(NOW - timedelta(minutes=10 - minute)):
            ids.append(_report(o311))
    for request_id in ids[1::2]:
        actions.redirect_case(
            case=Case.objects.get(reference=request_id),
            actor=_staff("csr.alex"),
            reason="Not ours.",
            redirect_to="Durham Region",
        )
    newest_first = list(reversed(ids))
    pages = [
        [r["service_request_id"] for r in o311.get("requests.json", page_size=3, page=page).json()]
        for page in (1, 2, 3)
    ]
    assert pages == [newest_first[:3], newest_first[3:6], newest_first[6:]]
    assert [r["service_request_id"] for r in o311.get("requests.json", status="closed,open", page_size=4).json()] == (
        newest_first[:4]
    )
    closed = [r["service_request_id"] for r in o311.get("requests.json", status="closed", page_size=2, page=2).json()]
    assert closed == [i for i in newest_first if i in ids[1::2]][2:4]
