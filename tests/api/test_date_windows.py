"""Every date the staff API reads is bounded (receipts from 2000 to now; timelines and filters up to five years ahead).

A date outside its window is a 422 naming the field in words a person reads,
answered at once: nothing a request sends makes the server compute business
time across centuries while it holds the database.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from civicdesk.domain.cases.models import Case


def _case_body(**extra: Any) -> dict[str, Any]:
    return {"kind": "service_request", "channel": "phone", "service": "POTHOLE", "description": "A pothole", **extra}


def _refusal(response: Any, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.content
    error: dict[str, Any] = response.json()["error"]
    assert error["field"] == field
    assert "between 2000-01-01 and" in error["message"]
    assert "Traceback" not in error["message"]
    return error


@pytest.mark.parametrize(
    "received_at",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+05:00",
        "1900-01-01T09:00:00-05:00",
        "1999-12-31T12:00:00Z",
        "9999-12-31T23:00:00-04:00",
        "2026-11-17T16:00:00Z",  # an hour after now, beyond the few minutes of clock skew allowed
    ],
)
def test_received_at_outside_the_receipt_window_is_refused_naming_the_field(api_as: Any, received_at: str) -> None:
    started = time.monotonic()
    response = api_as("csr.alex").post("/cases", _case_body(received_at=received_at))

    error = _refusal(response, "received_at")
    assert "received" in error["message"]
    assert "received_at" not in error["message"]
    assert time.monotonic() - started < 2
    assert not Case.objects.exists()


def test_received_at_a_few_minutes_ahead_is_a_fast_clock_counted_from_now(api_as: Any) -> None:
    response = api_as("csr.alex").post("/cases", _case_body(received_at="2026-11-17T15:02:00Z"))
    assert response.status_code == 201, response.content
    assert response.json()["received_at"] == "2026-11-17T15:00:00+00:00"


def test_received_at_early_in_the_window_is_accepted_without_long_computation(api_as: Any) -> None:
    started = time.monotonic()
    response = api_as("csr.alex").post("/cases", _case_body(received_at="2000-01-03T10:00:00-05:00"))
    assert response.status_code == 201, response.content
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("due_before", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59-04:00", "2100-01-01T00:00:00Z"])
def test_due_before_at_either_extreme_is_refused_naming_the_field(api_as: Any, due_before: str) -> None:
    _refusal(api_as("csr.alex").get("/cases", {"due_before": due_before}), "due_before")


def test_due_before_inside_the_window_filters(api_as: Any) -> None:
    response = api_as("csr.alex").get("/cases", {"due_before": "2026-12-01T00:00:00Z"})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("timeline", ["6000-06-01T16:00:00-05:00", "9999-12-31T23:00:00-04:00"])
def test_a_timeline_centuries_ahead_is_refused_at_once(api_as: Any, make_case: Any, timeline: str) -> None:
    case = make_case("POTHOLE")
    roads = api_as("staff.roads")
    started = time.monotonic()

    planned = roads.post(
        f"/cases/{case.reference}/updates", {"update": "action_planned", "note": "Fill it", "timeline": timeline}
    )
    _refusal(planned, "timeline")
    changed = roads.post(f"/cases/{case.reference}/timeline", {"timeline": timeline, "reason": "Parts on order"})
    _refusal(changed, "timeline")
    assert time.monotonic() - started < 2


def test_a_year_9990_timeline_on_a_paused_case_is_refused_at_once(api_as: Any, make_case: Any) -> None:
    case = make_case("POTHOLE")
    roads = api_as("staff.roads")
    planned = roads.post(
        f"/cases/{case.reference}/updates",
        {"update": "action_planned", "note": "Fill it", "timeline": "2026-12-01T16:00:00-05:00"},
    )
    assert planned.status_code == 200, planned.content
    paused = roads.post(
        f"/cases/{case.reference}/pause", {"waiting_on": "resident", "reason": "Waiting for the resident"}
    )
    assert paused.status_code == 200, paused.content

    started = time.monotonic()
    changed = roads.post(
        f"/cases/{case.reference}/timeline", {"timeline": "9990-01-01T16:00:00-05:00", "reason": "Parts on order"}
    )
    _refusal(changed, "timeline")
    assert time.monotonic() - started < 2


def test_a_timeline_within_five_years_is_accepted(api_as: Any, make_case: Any) -> None:
    case = make_case("POTHOLE")
    started = time.monotonic()
    planned = api_as("staff.roads").post(
        f"/cases/{case.reference}/updates",
        {"update": "action_planned", "note": "Rebuild the road", "timeline": "2030-06-03T16:00:00-04:00"},
    )
    assert planned.status_code == 200, planned.content
    assert time.monotonic() - started < 5
