"""GET /cases: filters, pagination, scope, and a query count that does not grow with the page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.domain.cases import actions
from civicdesk.domain.cases.sweep import run_sweep
from civicdesk.platform import timesource
from tests.fixtures.clock import NOW, TORONTO


def _received(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=TORONTO)


@pytest.fixture
def queue(make_case: Any) -> dict[str, str]:
    """Cases in every state the filters tell apart, by name → reference. Now is Tuesday 17 November, 10:00."""
    breached = make_case("POTHOLE", received_at=_received(11, 10, 9))  # acknowledge-by Wed 11th: missed
    run_sweep(now=NOW)  # records the breach, as the worker would
    late = make_case("STREETLIGHT", received_at=_received(11, 12, 9))  # due Fri 13th, not yet swept
    due_today = make_case("TREE-PRUNE", received_at=_received(11, 16, 9))  # due Tue 17th 16:30 (today)
    fresh = make_case("STREETLIGHT")  # due Wed 18th 16:30: the close of the next business day
    acknowledged = make_case("STREETLIGHT", received_at=_received(11, 17, 8))
    actions.acknowledge_case(case=acknowledged, actor=None, message="Relamping this week.")
    feedback = make_case(None, kind="feedback", channel="web", description="Thanks for the new bench")
    return {
        "breached": breached.reference,
        "late": late.reference,
        "due_today": due_today.reference,
        "fresh": fresh.reference,
        "acknowledged": acknowledged.reference,
        "feedback": feedback.reference,
    }


def _names(response: Any, queue: dict[str, str]) -> list[str]:
    assert response.status_code == 200, response.content
    by_reference = {reference: name for name, reference in queue.items()}
    return [by_reference[case["reference"]] for case in response.json()["results"]]


def test_newest_receipt_first(api_as: Any, queue: dict[str, str]) -> None:
    assert _names(api_as("csr.alex").get("/cases"), queue) == [
        "feedback",
        "fresh",
        "acknowledged",
        "due_today",
        "late",
        "breached",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "closed"}, {"feedback"}),
        ({"status": "open"}, {"fresh", "acknowledged", "due_today", "late", "breached"}),
        ({"kind": "feedback"}, {"feedback"}),
        ({"department": "forestry"}, {"due_today"}),
        ({"department": "roads", "status": "open"}, {"fresh", "acknowledged", "late", "breached"}),
        ({"overdue": "true"}, {"late", "breached"}),
        ({"overdue": "false"}, {"feedback", "fresh", "acknowledged", "due_today"}),
        # At risk is the desk's: due within 4 business hours (by 14:00). due_today (16:30) and fresh
        # (Wednesday 16:30) are due soon, not at risk; see test_at_risk_is_the_desks_four_business_hours.
        ({"at_risk": "true"}, set()),
        ({"at_risk": "true", "department": "roads"}, set()),
        ({"due_before": "2026-11-18T00:00:00-05:00"}, {"late", "breached", "due_today"}),
        ({"due_before": "2026-11-18T00:00:00-05:00", "overdue": "false"}, {"due_today"}),
    ],
)
def test_filters(params: dict[str, str], expected: set[str], api_as: Any, queue: dict[str, str]) -> None:
    assert set(_names(api_as("csr.alex").get("/cases", params), queue)) == expected


def test_at_risk_is_the_desks_four_business_hours(api_as: Any, queue: dict[str, str]) -> None:
    """At 13:00 the next 4 business hours run to Wednesday 9:00: due_today (16:30) is at risk, fresh is not."""
    with timesource.frozen_at(_received(11, 17, 13)):
        at_risk = set(_names(api_as("csr.alex").get("/cases", {"at_risk": "true"}), queue))
        not_at_risk = set(_names(api_as("csr.alex").get("/cases", {"at_risk": "false"}), queue))
    assert at_risk == {"due_today"}
    assert not_at_risk == set(queue) - {"due_today"}


def test_department_staff_list_only_their_department(api_as: Any, queue: dict[str, str]) -> None:
    assert _names(api_as("staff.forestry").get("/cases"), queue) == ["due_today"]


def test_pages(api_as: Any, queue: dict[str, str]) -> None:
    api = api_as("csr.alex")

    first = api.get("/cases", {"page_size": 4})
    second = api.get("/cases", {"page_size": 4, "page": 2})
    beyond = api.get("/cases", {"page_size": 4, "page": 3})

    assert first.json()["has_next"] is True
    assert second.json()["has_next"] is False
    assert _names(first, queue) + _names(second, queue) == _names(api.get("/cases"), queue)
    assert beyond.json()["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": "101"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"page": "99999999999999999999999"}, "page"),
        ({"status": "pending"}, "status"),
        ({"kind": "ticket"}, "kind"),
        ({"overdue": "perhaps"}, "overdue"),
        ({"due_before": "2026-11-18T00:00:00"}, "due_before"),
        ({"due_before": "tomorrow"}, "due_before"),
        ({"department": "no-such-department"}, "department"),
        ({"department": "roads\x00"}, "department"),
    ],
)
def test_bad_filters_are_422_naming_the_parameter(params: dict[str, str], field: str, api_as: Any, city: Any) -> None:
    response = api_as("csr.alex").get("/cases", params)

    assert response.status_code == 422, response.content
    assert response.json()["error"]["field"] == field


def _fill(make_case: Any, count: int) -> None:
    from civicdesk.domain.staff.models import User

    crew = User.objects.get(username="staff.roads")
    for n in range(count):
        case = make_case("POTHOLE", description=f"Pothole {n}")
        actions.assign_case(case=case, actor=None, assignee=crew)
        actions.add_item(case=case, actor=None, description="Cold patch")


def _queries_for_page(api: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/cases", {"page_size": 100})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["csr.alex", "staff.roads", "manager"])
def test_list_query_count_does_not_grow_with_the_cases(
    persona: str, api_as: Any, make_case: Any, django_assert_max_num_queries: Any
) -> None:
    api = api_as(persona)
    api.get("/cases")  # the token's last use is recorded once a minute; keep that write out of the count
    _fill(make_case, 5)
    with_five = _queries_for_page(api)
    _fill(make_case, 25)

    with django_assert_max_num_queries(with_five):
        response = api.get("/cases", {"page_size": 100})

    assert len(response.json()["results"]) == 30
    assert with_five <= 10
