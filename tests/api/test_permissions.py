"""Role-by-endpoint matrix (deny by default): who may call what on a Roads case, and 401 without a token.

403 means "your role may not do this"; 404 means "not in your department"
(the case is not admitted to exist). Every cell runs on a fresh case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from civicdesk.domain.cases import actions
from tests.api.conftest import PERSONAS, row_counts

OK, CREATED, FORBIDDEN, HIDDEN = 200, 201, 403, 404

# Persona columns: csr.alex, staff.roads, staff.forestry, sup.roads, dir.roads, care.admin, manager, shopper
READ = (OK, OK, HIDDEN, OK, OK, OK, OK, FORBIDDEN)
DESK = (OK, FORBIDDEN, HIDDEN, OK, OK, OK, FORBIDDEN, FORBIDDEN)  # route: Customer Care, supervisors, directors
ANYONE_WORKING = (OK, OK, HIDDEN, OK, OK, OK, FORBIDDEN, FORBIDDEN)  # acknowledge, assign, close…
DEPARTMENT_WORK = (FORBIDDEN, OK, HIDDEN, OK, OK, OK, FORBIDDEN, FORBIDDEN)  # record updates, timelines, items
FOLLOW_UP = (CREATED, FORBIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, CREATED, FORBIDDEN, FORBIDDEN)  # Customer Care only


def created(row: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(CREATED if status == OK else status for status in row)


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # {ref}, {parent}, {item} are filled from the prepared case
    expected: tuple[int, ...]
    body: dict[str, Any] | None = None
    prepare: Callable[[Any, Any], dict[str, Any]] = field(default=lambda make_case, case: {})


def _with_item(make_case: Any, case: Any) -> dict[str, Any]:
    item = actions.add_item(case=case, actor=None, description="Fill the pothole")
    return {"item": item.pk}


def _paused(make_case: Any, case: Any) -> dict[str, Any]:
    actions.pause_clocks(case=case, actor=None, waiting_on="resident", reason="waiting on photos")
    return {}


def _with_parent(make_case: Any, case: Any) -> dict[str, Any]:
    return {"parent": make_case("POTHOLE", description="The same pothole, reported first.").reference}


def _letter(make_case: Any, case: Any) -> dict[str, Any]:
    """A Roads service request by letter: it owes an interim reply once its answer is expected late (PK-MAIL-INTERIM)."""
    return {"ref": make_case("POTHOLE", kind="service_request", channel="letter").reference}


def _planned(make_case: Any, case: Any) -> dict[str, Any]:
    from datetime import timedelta

    from civicdesk.platform import timesource

    timeline = timesource.now() + timedelta(days=21)
    actions.record_update(case=case, actor=None, update="action_planned", note="Crew booked.", timeline=timeline)
    return {}


def _closable(make_case: Any, case: Any) -> dict[str, Any]:
    actions.record_update(case=case, actor=None, update="inspected", note="Inspected.")
    actions.record_update(case=case, actor=None, update="resident_advised", note="Filled; resident told.")
    return {}


def _closed(make_case: Any, case: Any) -> dict[str, Any]:
    actions.redirect_case(case=case, actor=None, reason="provincial road", redirect_to="Ministry of Transportation")
    return {}


def _awaiting_reply(make_case: Any, case: Any) -> dict[str, Any]:
    """LW-CORR: the city reviews answers; the CSR's emailed answer on the case waits for a second person."""
    from civicdesk.domain.outbox.models import OutboxMessage
    from civicdesk.domain.staff.models import User

    case.jurisdiction.review_before_release = ["reply"]
    case.jurisdiction.save(update_fields=["review_before_release"])
    actions.reply_to_resident(case=case, actor=User.objects.get(username="csr.alex"), how="email", note="Filled.")
    return {"message": OutboxMessage.objects.get(case=case, kind="reply", state="awaiting_approval").pk}


# Approving and returning: supervisors, directors and Customer Care administrators (a CSR wrote it).
APPROVERS = (FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, OK, FORBIDDEN, FORBIDDEN)

ENDPOINTS = [
    Endpoint("list", "GET", "/cases", (OK, OK, OK, OK, OK, OK, OK, FORBIDDEN)),
    Endpoint("get", "GET", "/cases/{ref}", READ),
    Endpoint("journal", "GET", "/cases/{ref}/journal", READ),
    Endpoint(
        "create",
        "POST",
        "/cases",
        (CREATED, CREATED, CREATED, CREATED, CREATED, CREATED, FORBIDDEN, FORBIDDEN),
        {"kind": "service_request", "channel": "field", "service": "SIGN", "description": "Stop sign down"},
    ),
    Endpoint(
        "acknowledge",
        "POST",
        "/cases/{ref}/acknowledge",
        ANYONE_WORKING,
        {"message": "We will inspect it by tomorrow."},
    ),
    Endpoint(
        "route", "POST", "/cases/{ref}/route", DESK, {"department": "forestry", "reason": "a fallen limb, not the road"}
    ),
    Endpoint("assign", "POST", "/cases/{ref}/assign", ANYONE_WORKING, {"assignee": "staff.roads"}),
    Endpoint(
        "replies", "POST", "/cases/{ref}/replies", ANYONE_WORKING, {"how": "call_returned", "note": "Called Pat back."}
    ),
    Endpoint(
        "updates", "POST", "/cases/{ref}/updates", DEPARTMENT_WORK, {"update": "inspected", "note": "Crew booked."}
    ),
    Endpoint(
        "timeline",
        "POST",
        "/cases/{ref}/timeline",
        DEPARTMENT_WORK,
        {"timeline": "2026-12-15T16:00:00-05:00", "reason": "asphalt plant closed"},
    ),
    Endpoint(
        "answer-expected",
        "POST",
        "/cases/{ref}/answer-expected",
        ANYONE_WORKING,
        {"expected_by": "2027-01-15T16:00:00-05:00", "reason": "needs the spring budget"},
        _letter,
    ),
    Endpoint(
        "follow-up-requests",
        "POST",
        "/cases/{ref}/follow-up-requests",
        FOLLOW_UP,
        {"message": "Any news on the pothole?", "reason": "the resident called again"},  # before the follow-up date
    ),
    Endpoint(
        "timeline-notice",
        "POST",
        "/cases/{ref}/timeline-notice",
        DEPARTMENT_WORK,
        {"how": "phone", "note": "The patching date holds."},
        _planned,
    ),
    Endpoint("items", "POST", "/cases/{ref}/items", created(DEPARTMENT_WORK), {"description": "Fill the pothole"}),
    Endpoint("item-done", "POST", "/cases/{ref}/items/{item}/done", DEPARTMENT_WORK, {"note": "done"}, _with_item),
    Endpoint(
        "pause",
        "POST",
        "/cases/{ref}/pause",
        DEPARTMENT_WORK,
        {"waiting_on": "resident", "reason": "the resident's photos"},
    ),
    Endpoint("resume", "POST", "/cases/{ref}/resume", DEPARTMENT_WORK, None, _paused),
    Endpoint("duplicate-of", "POST", "/cases/{ref}/duplicate-of", ANYONE_WORKING, {"parent": "{parent}"}, _with_parent),
    Endpoint(
        "redirect",
        "POST",
        "/cases/{ref}/redirect",
        ANYONE_WORKING,
        {"reason": "Highway 401 is provincial", "redirect_to": "Ministry of Transportation"},
    ),
    Endpoint("close", "POST", "/cases/{ref}/close", ANYONE_WORKING, {"note": "Filled."}, _closable),
    Endpoint(
        "reopen", "POST", "/cases/{ref}/reopen", ANYONE_WORKING, {"reason": "the resident says it is back"}, _closed
    ),
    Endpoint("awaiting-approval", "GET", "/messages/awaiting-approval", APPROVERS, None, _awaiting_reply),
    Endpoint("approve", "POST", "/messages/{message}/approve", APPROVERS, None, _awaiting_reply),
    Endpoint("return", "POST", "/messages/{message}/return", APPROVERS, {"reason": "Give the date."}, _awaiting_reply),
]


def _call(api: Any, endpoint: Endpoint, values: dict[str, Any]) -> Any:
    path = endpoint.path.format(**values)
    if endpoint.method == "GET":
        return api.get(path)
    body = (
        None
        if endpoint.body is None
        else {k: str(v).format(**values) if isinstance(v, str) else v for k, v in endpoint.body.items()}
    )
    return api.post(path, body)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_role_endpoint_matrix(endpoint: Endpoint, api_as: Any, make_case: Any) -> None:
    outcome = {}
    for persona in PERSONAS:
        case = make_case("POTHOLE")
        values = {"ref": case.reference, **endpoint.prepare(make_case, case)}
        before = row_counts()
        response = _call(api_as(persona), endpoint, values)
        outcome[persona] = response.status_code
        if response.status_code >= 400:
            assert "error" in response.json(), response.content
            assert row_counts() == before, f"{persona} refused, yet something was written"
    assert outcome == dict(zip(PERSONAS, endpoint.expected, strict=True))


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_no_token_is_401_and_writes_nothing(endpoint: Endpoint, api_as: Any, make_case: Any) -> None:
    case = make_case("POTHOLE")
    values = {"ref": case.reference, **endpoint.prepare(make_case, case)}
    before = row_counts()

    response = _call(api_as(None), endpoint, values)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert row_counts() == before


@pytest.mark.parametrize("endpoint", [ENDPOINTS[1], ENDPOINTS[3]], ids=lambda e: e.name)
@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer not-a-token",
        "Bearer {token}x",
        "Basic Y3NyLmFsZXg6Y2l2aWNkZXNrLWRlbW8=",
        "Token {token}",
        "{token}",
    ],
)
def test_anything_but_a_live_bearer_token_is_401(
    endpoint: Endpoint, authorization: str, api_as: Any, make_case: Any, tokens: dict[str, str]
) -> None:
    case = make_case("POTHOLE")
    api = api_as(None)
    api.client.defaults["HTTP_AUTHORIZATION"] = authorization.format(token=tokens["csr.alex"])
    before = row_counts()

    response = _call(api, endpoint, {"ref": case.reference})

    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "unauthenticated"
    assert row_counts() == before
