"""PK-MISS through the API and the desk: the week-before notice is met by staff telling the resident, never by the sweep.

The sweep records a notice nobody gave as missed; a timeline that leaves no week to warn in owes none; the
explanation names the date the notice counts back from as the anticipated completion.
"""

from __future__ import annotations

from datetime import datetime
from html import unescape
from typing import Any

from django.test import Client
from django.urls import reverse

from civicdesk.domain.cases.references import display
from civicdesk.domain.cases.sweep import run_sweep
from civicdesk.domain.staff.models import User
from tests.fixtures.clock import local


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def _desk(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _notice(out: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in out["commitments"] if c["purpose"] == "timeline_notice")


def _plan(api: Any, ref: str, timeline: str) -> dict[str, Any]:
    out: dict[str, Any] = _ok(
        api.post(f"/cases/{ref}/updates", {"update": "action_planned", "note": "Relamp", "timeline": timeline})
    )
    return out


def test_pk_miss_the_sweep_records_a_notice_nobody_gave_as_missed(api_as: Any, make_case: Any, now: Any) -> None:
    case = make_case("STREETLIGHT")  # Tuesday 17 November
    roads = api_as("staff.roads")
    planned = _plan(roads, case.reference, "2026-12-10T16:30:00-05:00")
    notice = _notice(planned)
    assert datetime.fromisoformat(notice["due_at"]) == local(2026, 12, 3, 16, 30)
    # The notice counts back from the anticipated completion; it is not when anything was received.
    assert notice["explanation"][1].startswith("anticipated completion 2026-12-10T16:30:00-05:00")
    assert not any(line.startswith("received") for line in notice["explanation"])

    now.set(local(2026, 12, 3, 16, 31))
    run_sweep()
    missed = _notice(_ok(roads.get(f"/cases/{case.reference}")))
    assert (missed["state"], missed["met_at"]) == ("breached", None)
    assert datetime.fromisoformat(missed["breached_at"]) == local(2026, 12, 3, 16, 30)

    # Told late, on the desk: the notice is met, late, and the page shows it as the API does.
    now.set(local(2026, 12, 4, 9, 0))
    desk = _desk("staff.roads")
    response = desk.post(
        reverse("desk:transition", args=[case.reference, "timeline_notice"]),
        {"timeline_notice-how": "phone", "timeline_notice-note": "Relamping on 10 December holds."},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    met = _notice(_ok(roads.get(f"/cases/{case.reference}")))
    assert met["state"] == "met"
    assert datetime.fromisoformat(met["met_at"]) == local(2026, 12, 4, 9, 0)
    assert met["breached_at"] is not None
    page = unescape(desk.get(reverse("desk:case", args=[case.reference])).content.decode())
    assert "Relamping on 10 December holds." in page


def test_pk_miss_told_in_time_the_notice_is_met_and_the_sweep_leaves_it(api_as: Any, make_case: Any, now: Any) -> None:
    case = make_case("STREETLIGHT")
    roads = api_as("staff.roads")
    _plan(roads, case.reference, "2026-12-10T16:30:00-05:00")
    now.set(local(2026, 12, 2, 10, 0))
    told = _ok(roads.post(f"/cases/{case.reference}/timeline-notice", {"how": "email", "note": "10 December holds."}))
    assert _notice(told)["state"] == "met"
    now.set(local(2026, 12, 3, 16, 31))
    assert run_sweep().timeline_notices == 0
    again = roads.post(f"/cases/{case.reference}/timeline-notice", {"how": "phone", "note": "Again"})
    assert again.status_code == 409


def test_pk_miss_a_timeline_set_for_next_week_is_not_at_risk_at_once(api_as: Any, make_case: Any) -> None:
    case = make_case("STREETLIGHT")  # Tuesday 17 November 10:00
    roads = api_as("staff.roads")
    roads.post(f"/cases/{case.reference}/acknowledge", {"message": "Relamping next week."})
    planned = _plan(roads, case.reference, "2026-11-24T16:30:00-05:00")  # a week on: no week left to warn in
    assert not [c for c in planned["commitments"] if c["purpose"] == "timeline_notice"]
    assert planned["clock_state"] == "on_track"
    queue = unescape(_desk("staff.roads").get(reverse("desk:queue", args=["department"])).content.decode())
    row = queue.split(display(planned["reference"]), 1)[1].split("</tr>", 1)[0]
    assert "At risk" not in row
