"""One standing, four faces: the desk, the staff API, the portal and Open311 agree on every case at every instant.

The same cases — one per clock state, plus paused, closed, an agreed completion,
a missed standard still owed and a case with no clock — are read through each
face at instants around the 2026 Christmas closure (Friday 25 and Monday 28
December closed for Christmas and Boxing Day): a business morning, either side
of an at-risk edge, the holiday weekend, the morning after. Each face must give
the read model's clock state and the read model's date told to the resident.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicdesk.channels.api.tokens import issue_token
from civicdesk.domain.cases import actions, clocks, standing
from civicdesk.domain.cases.models import Case
from civicdesk.domain.cases.standing import AT_RISK, BREACHED, DUE_SOON, NO_CLOCK, ON_TRACK, PAUSED
from civicdesk.domain.cases.sweep import run_sweep
from civicdesk.platform import timesource
from tests.fixtures.city import City
from tests.fixtures.clock import TORONTO, local

# Wednesday 23 December 2026, 10:00: the cases are recorded; the office closes Friday 25 to Monday 28.
T0 = local(2026, 12, 23, 10)
INSTANTS = {
    "business morning": T0,
    "just before an at-risk edge": local(2026, 12, 23, 12, 29),  # 16:30 is 4 business hours and a minute away
    "at the at-risk edge": local(2026, 12, 23, 12, 30),
    "holiday weekend": local(2026, 12, 27, 11),
    "morning after the holiday": local(2026, 12, 29, 8),
}
DESK = "care.admin"  # Customer Care: sees every case


def _contact(name: str) -> actions.ContactDetails:
    return actions.ContactDetails(name="Pat Resident", email=f"{name}@example.org", phone="905-555-0101")


def _record(city: City, name: str, service: str | None, **fields: Any) -> Case:
    values: dict[str, Any] = {
        "kind": "service_request",
        "channel": "phone",
        "description": f"Grid case {name}.",
        "address": "1 The Esplanade",
        **fields,
    }
    return actions.create_case(
        jurisdiction=city.jurisdiction,
        actor=city.staff("csr.alex"),
        service=city.service(service) if service else None,
        contact=_contact(name),
        **values,
    ).case


def record_the_grid(city: City) -> dict[str, Case]:
    """The grid's cases, recorded through the public actions at T0 (each name says what it shows)."""
    with timesource.frozen_at(T0):
        cases = {
            # Acknowledgement due Thursday 16:30.
            "new_request": _record(city, "new_request", "GRAFFITI"),
            # Received Tuesday: acknowledgement and hazard inspection due today 16:30 (at risk from 12:30).
            "due_today": _record(
                city,
                "due_today",
                "POTHOLE",
                kind="complaint",
                received_at=local(2026, 12, 22, 9),
                occurred_at=local(2026, 12, 21, 18),
                people_involved="nobody",
                outcome_sought="fill it",
            ),
            "completion": _record(city, "completion", "PARK", received_at=local(2026, 12, 21, 9)),
            "paused": _record(city, "paused", "SIGN"),
            # Received the week before: acknowledgement and inspection missed on Tuesday 15th, still owed.
            "missed": _record(city, "missed", "TREE-DOWN", received_at=local(2026, 12, 14, 9)),
            "closed": _record(city, "closed", "STREETLIGHT"),
            # An inquiry with no service is not routed: no clock at all (and not public in Open311).
            "no_clock": _record(city, "no_clock", None, kind="inquiry"),
            "on_track": _record(city, "on_track", "TREE-PLANT"),
            # PK-ACK-1BD and PK-EMAIL-ACK both acknowledge it; PK-EMAIL-ANSWER answers in 15 business days.
            "email": _record(city, "email", "MISSED-COLLECTION", channel="email"),
        }
        csr, care = city.staff("csr.alex"), city.staff("care.admin")
        actions.acknowledge_case(case=cases["completion"], actor=csr, message="Crew to repair the bench.")
        actions.record_update(
            case=cases["completion"],
            actor=city.staff("staff.parks"),
            update="action_planned",
            note="Bench repaired by the 30th.",
            timeline=local(2026, 12, 30, 16, 30),
            public=True,
        )
        actions.pause_clocks(
            case=cases["paused"], actor=care, waiting_on="resident", reason="Waiting for a photo of the sign"
        )
        for name in ("closed", "on_track"):
            actions.acknowledge_case(case=cases[name], actor=csr, message="On our list.")
        actions.close_case(case=cases["closed"], actor=care, note="Relamped.")
        run_sweep(now=T0)
    return cases


@dataclass(frozen=True)
class Truth:
    state: str
    expected: datetime | None
    is_completion: bool


def read_model(case: Case, at: datetime) -> Truth:
    case.refresh_from_db()
    h = standing.horizons(clocks.profile_for(case.jurisdiction), now=at)
    found = standing.standing_of(case, h)
    return Truth(found.state, found.expected.at, found.expected.is_completion)


class Faces:
    """The four faces of one city, each read as its users read it."""

    def __init__(self, city: City) -> None:
        self.desk = Client()
        self.desk.force_login(city.staff(DESK))
        self.api = Client(headers={"Authorization": f"Bearer {issue_token(user=city.staff(DESK))[1]}"})
        # A fresh address per public request: the grid is not a flood, the rate limits need not count it.
        self._addresses = (f"198.51.{n // 250}.{n % 250 + 1}" for n in itertools.count())

    def _public(self) -> Client:
        return Client(REMOTE_ADDR=next(self._addresses))

    # --- the desk --------------------------------------------------------------------------------

    def desk_queue_states(self) -> dict[str, str]:
        """reference → clock state, from the Customer Care queue filtered by each state (open cases only)."""
        found: dict[str, str] = {}
        for state in standing.CLOCK_STATES:
            page = self.desk.get(reverse("desk:queue", args=["care"]), {"state": state})
            assert page.status_code == 200
            for reference in re.findall(r'href="/desk/cases/(\d{9})/"', page.content.decode()):
                assert reference not in found, f"{reference} listed as {found.get(reference)} and {state}"
                found[reference] = state
        return found

    def desk_case(self, case: Case) -> tuple[str, str]:
        """The case page's clock badge and its "Date told to the resident"."""
        page = self.desk.get(reverse("desk:case", args=[case.reference])).content.decode()
        badge = re.search(r'</h1>\s*<p><span class="badge badge--([a-z_]+)">', page)
        assert badge is not None
        told = re.search(r"Date told to the resident</dt><dd>(.*?)</dd>", page)
        return badge.group(1), html.unescape(told.group(1)) if told else ""

    # --- the staff API ---------------------------------------------------------------------------

    def api_flagged(self, flag: str) -> set[str]:
        response = self.api.get("/api/v1/cases", {flag: "true", "page_size": "100"})
        assert response.status_code == 200, response.content
        return {row["reference"] for row in response.json()["results"]}

    def api_case(self, case: Case) -> dict[str, Any]:
        response = self.api.get(f"/api/v1/cases/{case.reference}")
        assert response.status_code == 200, response.content
        body: dict[str, Any] = response.json()
        return body

    # --- the portal and Open311 -------------------------------------------------------------------

    def portal_told(self, case: Case) -> str:
        """The status page's date (its label and value), as the resident who raised the case sees it."""
        page = self._public().post(
            reverse("portal:status"), {"reference": case.reference, "contact": case.contact.email}
        )
        assert page.status_code == 200
        told = re.search(
            r"<dt>(Expected completion|Next step expected by)</dt>\s*<dd>(.*?)</dd>", page.content.decode()
        )
        return f"{told.group(1)}: {html.unescape(told.group(2))}" if told else ""

    def open311_expected(self, case: Case) -> tuple[int, str | None]:
        response = self._public().get(f"/open311/v2/requests/{case.reference}.json")
        if response.status_code != 200:
            return response.status_code, None
        (body,) = response.json()
        return 200, body["expected_datetime"]


def shown(at: datetime | None) -> str:
    return formats.date_format(at.astimezone(TORONTO), "DATETIME_FORMAT") if at is not None else "Not set yet"


def assert_faces_agree(faces: Faces, cases: dict[str, Case], at: datetime) -> dict[str, Truth]:
    """Every face gives the read model's state and date for every case at ``at``; returns the read model's answers."""
    truths = {name: read_model(case, at) for name, case in cases.items()}
    with timesource.frozen_at(at):
        queue = faces.desk_queue_states()
        overdue, at_risk = faces.api_flagged("overdue"), faces.api_flagged("at_risk")
        for name, case in cases.items():
            truth = truths[name]
            where = f"{name} at {at:%a %d %b %H:%M}"
            assert queue.get(case.reference, NO_CLOCK) == truth.state, where
            badge, desk_told = faces.desk_case(case)
            assert badge == truth.state, where
            api = faces.api_case(case)
            assert api["clock_state"] == truth.state, where
            assert (case.reference in overdue, case.reference in at_risk) == (
                truth.state == BREACHED,
                truth.state == AT_RISK,
            ), where
            expected = datetime.fromisoformat(api["expected_at"]) if api["expected_at"] else None
            assert (expected, api["expected_is_completion"]) == (truth.expected, truth.is_completion), where
            if case.is_open:
                label = "Expected completion" if truth.is_completion else "Next step expected by"
                assert desk_told == (f"{label}: {shown(truth.expected)}" if truth.expected else shown(None)), where
                assert faces.portal_told(case) == f"{label}: {shown(truth.expected)}", where
            else:
                assert desk_told == "", where  # a closed case tells nothing
                assert faces.portal_told(case) == "", where
            status, o311 = faces.open311_expected(case)
            if case.service is None:
                assert status == 404, where  # only cases of public services are published
            else:
                assert status == 200, where
                assert (datetime.fromisoformat(o311) if o311 else None) == truth.expected, where
    return truths


@pytest.fixture
def grid(city: City, settings: Any) -> Iterator[tuple[Faces, dict[str, Case]]]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield Faces(city), record_the_grid(city)


# The read model's answers the faces are held to, at the first three instants (each state occurs).
TODAY_CLOSE, THURSDAY_CLOSE, TUESDAY_CLOSE = (local(2026, 12, day, 16, 30) for day in (23, 24, 29))
COMPLETION = local(2026, 12, 30, 16, 30)
ANCHORS: dict[str, dict[str, tuple[str, datetime | None]]] = {
    "business morning": {
        "new_request": (DUE_SOON, THURSDAY_CLOSE),
        "due_today": (DUE_SOON, TODAY_CLOSE),
        # Its timeline was set a week ahead: no week is left to warn in, so no PK-MISS notice is owed and the case
        # is not at risk at once; the resident is told the completion.
        "completion": (ON_TRACK, COMPLETION),
        "paused": (PAUSED, None),
        "missed": (BREACHED, None),
        "closed": (NO_CLOCK, None),
        "no_clock": (ON_TRACK, None),
        "on_track": (ON_TRACK, None),
        "email": (DUE_SOON, THURSDAY_CLOSE),
    },
    "just before an at-risk edge": {"due_today": (DUE_SOON, TODAY_CLOSE), "completion": (ON_TRACK, COMPLETION)},
    "at the at-risk edge": {"due_today": (AT_RISK, TODAY_CLOSE), "completion": (ON_TRACK, COMPLETION)},
    "holiday weekend": {
        "new_request": (BREACHED, None),  # swept: its acknowledgement was due Thursday
        "due_today": (BREACHED, None),
        "completion": (ON_TRACK, COMPLETION),  # the completion is two business days off
        "paused": (PAUSED, None),
        "email": (BREACHED, TUESDAY_CLOSE),  # PK-ACK-1BD missed and still owed; PK-EMAIL-ACK still runs
    },
    "morning after the holiday": {"completion": (DUE_SOON, COMPLETION), "email": (BREACHED, TUESDAY_CLOSE)},
}


@pytest.mark.parametrize("instant", list(INSTANTS))
def test_every_face_gives_the_read_models_state_and_date(grid: tuple[Faces, dict[str, Case]], instant: str) -> None:
    """At each instant, after the sweep has run as the worker would, the four faces agree with the read model."""
    faces, cases = grid
    at = INSTANTS[instant]
    run_sweep(now=at)
    truths = assert_faces_agree(faces, cases, at)
    for name, (state, date) in ANCHORS[instant].items():
        assert (truths[name].state, truths[name].expected) == (state, date), name
    assert truths["completion"].is_completion
    if instant == "at the at-risk edge":
        assert {t.state for t in truths.values()} == {*standing.CLOCK_STATES, NO_CLOCK}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=st.integers(min_value=0, max_value=14 * 24 * 60))
def test_faces_agree_at_any_instant_of_the_fortnight(grid: tuple[Faces, dict[str, Case]], minutes: int) -> None:
    """Between sweeps too: a clock past due but not yet swept is breached everywhere and told nowhere."""
    faces, cases = grid
    assert_faces_agree(faces, cases, T0 + timedelta(minutes=minutes))
