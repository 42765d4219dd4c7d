"""One endpoint per transition: a case walked through them, and refusals that name the field or the rule."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from civicdesk.domain.cases import actions, journal
from civicdesk.domain.cases.models import Case
from tests.api.conftest import row_counts


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def _refused(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    error: dict[str, Any] = response.json()["error"]
    return error


def test_a_case_walked_through_its_transitions(api_as: Any, make_case: Any) -> None:
    case = make_case("POTHOLE")
    ref = case.reference
    csr, roads = api_as("csr.alex"), api_as("staff.roads")

    acknowledged = _ok(csr.post(f"/cases/{ref}/acknowledge", {"message": "We will inspect by tomorrow."}))
    assert acknowledged["acknowledged_at"] is not None
    assert {c["standard"]: c["state"] for c in acknowledged["commitments"]}["PK-ACK-1BD"] == "met"

    assert _ok(roads.post(f"/cases/{ref}/assign", {"assignee": "staff.roads"}))["assignee"] == "staff.roads"
    inspected = _ok(roads.post(f"/cases/{ref}/updates", {"update": "inspected", "note": "Deep; crew booked."}))
    assert {c["standard"]: c["state"] for c in inspected["commitments"]}["PK-HAZARD"] == "met"

    planned = _ok(
        roads.post(
            f"/cases/{ref}/updates",
            {"update": "action_planned", "note": "Fill it", "timeline": "2026-12-01T16:00:00-05:00", "public": True},
        )
    )
    assert any(
        c["purpose"] == "complete" and c["due_at"] == "2026-12-01T21:00:00+00:00" for c in planned["commitments"]
    )

    item = _ok(roads.post(f"/cases/{ref}/items", {"description": "Cold patch"}), 201)
    assert item["done_at"] is None

    refused = _refused(roads.post(f"/cases/{ref}/close", {"note": "Done"}), 409)
    assert refused["rule"] == "PK-CLOSE"
    assert refused["code"] == "open_items"
    assert [i["description"] for i in refused["details"]["items"]] == ["Cold patch"]
    # Work only scheduled is not done (PK-CLOSE's tree on the list): the agreed timeline blocks it with the item.
    assert [c["purpose"] for c in refused["details"]["commitments"]] == ["complete"]

    changed = _ok(
        roads.post(
            f"/cases/{ref}/timeline", {"timeline": "2026-12-08T16:00:00-05:00", "reason": "Asphalt plant closed"}
        )
    )
    assert [c["due_at"] for c in changed["commitments"] if c["purpose"] == "complete" and c["state"] == "pending"] == [
        "2026-12-08T21:00:00+00:00"
    ]

    paused = _ok(roads.post(f"/cases/{ref}/pause", {"waiting_on": "resident", "reason": "The resident's photos"}))
    assert "paused" in {c["state"] for c in paused["commitments"]}
    resumed = _ok(roads.post(f"/cases/{ref}/resume"))
    assert "paused" not in {c["state"] for c in resumed["commitments"]}

    done = _ok(roads.post(f"/cases/{ref}/items/{item['id']}/done", {"note": "Patched"}))
    assert done["done_by"] == "staff.roads"
    advised = _ok(
        roads.post(f"/cases/{ref}/updates", {"update": "resident_advised", "note": "Patched; resident told."})
    )
    assert advised["public_note"] == "Patched; resident told."
    assert [e["action"] for e in _ok(roads.get(f"/cases/{ref}/journal"))][-3:] == [
        "resumed",
        "item_done",
        "resident_advised",
    ]


def test_a_case_with_an_agreed_timeline_closes_once_the_work_is_done(api_as: Any, make_case: Any) -> None:
    case = make_case("STREETLIGHT")
    roads = api_as("staff.roads")
    plan = {"update": "action_planned", "note": "Relamp", "timeline": "2026-12-01T16:00:00-05:00"}
    _ok(roads.post(f"/cases/{case.reference}/updates", plan))
    _ok(roads.post(f"/cases/{case.reference}/updates", {"update": "work_done", "note": "Relamped."}))
    _ok(roads.post(f"/cases/{case.reference}/updates", {"update": "resident_advised", "note": "Relamped; told."}))

    assert _ok(roads.post(f"/cases/{case.reference}/close", {"note": "Relamped."}))["status"] == "closed"


def test_close_and_reopen(api_as: Any, make_case: Any) -> None:
    case = make_case("STREETLIGHT")
    actions.record_update(case=case, actor=None, update="resident_advised", note="Relamped; resident told.")
    roads = api_as("sup.roads")

    closed = _ok(roads.post(f"/cases/{case.reference}/close", {"note": "Relamped."}))
    assert closed["status"] == "closed"
    assert closed["resolution"] == "resolved"
    entries = _ok(roads.get(f"/cases/{case.reference}/journal"))
    assert entries[-1]["action"] == "closed"
    assert entries[-1]["data"]["ombudsman"]  # PK-OMB

    reopened = _ok(roads.post(f"/cases/{case.reference}/reopen", {"reason": "Out again"}))
    assert reopened["status"] == "open"
    assert reopened["resolution"] == ""


def test_pk_council_only_customer_care_closes_a_council_case(api_as: Any, make_case: Any) -> None:
    case = make_case("STREETLIGHT", council_involved=True)
    actions.record_update(case=case, actor=None, update="resident_advised", note="Relamped; councillor told.")
    before = row_counts()

    refused = _refused(api_as("dir.roads").post(f"/cases/{case.reference}/close", {"note": "Relamped."}), 409)

    assert refused["rule"] == "PK-COUNCIL"
    assert row_counts() == before
    assert _ok(api_as("care.admin").post(f"/cases/{case.reference}/close", {"note": "Relamped."}))["status"] == "closed"


def test_route_reroute_and_duplicates(api_as: Any, make_case: Any) -> None:
    case = make_case("POTHOLE")
    parent = make_case("POTHOLE")
    csr = api_as("csr.alex")

    no_reason = _refused(csr.post(f"/cases/{case.reference}/route", {"department": "forestry"}), 422)
    assert (no_reason["field"], no_reason["rule"]) == ("reason", "PK-ROUTE")
    routed = _ok(csr.post(f"/cases/{case.reference}/route", {"department": "forestry", "reason": "a limb"}))
    assert routed["department"] == "forestry"
    # The Roads crew no longer sees it: out of department reads as not found.
    assert api_as("staff.roads").get(f"/cases/{case.reference}").status_code == 404
    assert api_as("staff.forestry").get(f"/cases/{case.reference}").status_code == 200

    duplicate = _ok(csr.post(f"/cases/{case.reference}/duplicate-of", {"parent": parent.reference}))
    assert (duplicate["status"], duplicate["resolution"], duplicate["parent"]) == (
        "closed",
        "duplicate",
        parent.reference,
    )
    parent_journal = _ok(csr.get(f"/cases/{parent.reference}/journal"))
    assert parent_journal[-1]["action"] == "linked_duplicate"


def test_redirect_closes_out_of_scope_matters_saying_where_to_go(api_as: Any, make_case: Any) -> None:
    case = make_case("POTHOLE")

    redirected = _ok(
        api_as("csr.alex").post(
            f"/cases/{case.reference}/redirect",
            {"reason": "Highway 401 is provincial.", "redirect_to": "Ministry of Transportation, 1-800-268-4686"},
        )
    )

    assert (redirected["status"], redirected["resolution"]) == ("closed", "redirected")
    assert redirected["redirect_to"] == "Ministry of Transportation, 1-800-268-4686"


def test_pk_esc_third_follow_up_request_copies_the_supervisor(api_as: Any, make_case: Any, now: Any) -> None:
    from datetime import datetime

    case = make_case("POTHOLE")
    csr = api_as("csr.alex")
    follow_up_date = _ok(csr.get(f"/cases/{case.reference}"))["commitments"]
    due = next(datetime.fromisoformat(c["due_at"]) for c in follow_up_date if c["standard"] == "PK-FOLLOW")

    requests = []
    for _ in range(3):  # each request on its date: the ladder climbs one step per the profile's gap
        now.set(due)
        requests.append(_ok(csr.post(f"/cases/{case.reference}/follow-up-requests"), 201))
        due = datetime.fromisoformat(requests[-1]["next_due_at"])

    assert [r["number"] for r in requests] == [1, 2, 3]
    assert requests[0]["copied"] == []
    assert "sup.roads" in requests[2]["copied"]
    assert requests[2]["next_due_at"] is not None
    assert _ok(csr.get(f"/cases/{case.reference}"))["follow_up_requests"] == 3


def test_the_journal_is_hash_chained(api_as: Any, make_case: Any) -> None:
    case = make_case("POTHOLE")
    api = api_as("staff.roads")
    _ok(api.post(f"/cases/{case.reference}/acknowledge", {"message": "Inspecting tomorrow."}))

    entries = _ok(api.get(f"/cases/{case.reference}/journal"))

    assert [e["sequence"] for e in entries] == list(range(1, len(entries) + 1))
    assert all(later["previous_hash"] == earlier["hash"] for earlier, later in itertools.pairwise(entries))
    assert entries[-1]["action"] == "acknowledged"
    assert entries[-1]["actor_label"] == "Jordan Lee"
    assert journal.verify(Case.objects.get(pk=case.pk)) == []


# --- refusals ----------------------------------------------------------------------------------------------

REFUSALS = [
    # (persona, path suffix, body, status, field or rule)
    pytest.param("staff.roads", "acknowledge", {"message": " "}, 422, "message", id="empty-acknowledgement"),
    pytest.param("staff.roads", "acknowledge", {"message": 5}, 422, "message", id="acknowledgement-wrong-type"),
    pytest.param("staff.roads", "acknowledge", {}, 422, "message", id="acknowledgement-missing"),
    pytest.param("csr.alex", "route", {"department": "parking-lot"}, 422, "department", id="unknown-department"),
    pytest.param("csr.alex", "route", {"department": "roads"}, 409, "department", id="route-to-same-department"),
    pytest.param("csr.alex", "assign", {"assignee": "ghost"}, 422, "assignee", id="unknown-assignee"),
    pytest.param("csr.alex", "assign", {"assignee": "staff.forestry"}, 422, "assignee", id="assignee-other-department"),
    pytest.param("csr.alex", "assign", {}, 422, "assignee", id="assignee-missing"),
    pytest.param("staff.roads", "updates", {"update": "fixed", "note": "x"}, 422, "update", id="unknown-update"),
    pytest.param(
        "staff.roads", "updates", {"update": "action_planned", "note": "Fill"}, 422, "timeline", id="plan-no-timeline"
    ),
    pytest.param(
        "staff.roads",
        "updates",
        {"update": "action_planned", "note": "Fill", "timeline": "2026-12-01T16:00:00"},
        422,
        "timeline",
        id="naive-timeline",
    ),
    pytest.param(
        "staff.roads",
        "timeline",
        {"timeline": "2026-11-01T16:00:00-05:00", "reason": "late"},
        422,
        "timeline",
        id="timeline-in-past",
    ),
    pytest.param(
        "staff.roads",
        "timeline",
        {"timeline": "2026-12-01T16:00:00-05:00", "reason": ""},
        422,
        "reason",
        id="timeline-no-reason",
    ),
    pytest.param("staff.roads", "items", {"description": "x" * 301}, 422, "description", id="item-too-long"),
    pytest.param("staff.roads", "resume", None, 409, None, id="resume-nothing-paused"),
    pytest.param("csr.alex", "duplicate-of", {"parent": "123456789"}, 422, "parent", id="unknown-parent"),
    pytest.param("csr.alex", "redirect", {"reason": "x", "redirect_to": ""}, 422, "redirect_to", id="redirect-nowhere"),
    pytest.param(
        "staff.roads", "close", {"note": "x", "resolution": "duplicate"}, 422, "resolution", id="close-as-duplicate"
    ),
    pytest.param("staff.roads", "close", {"note": "Filled"}, 409, "PK-CLOSE", id="close-with-open-commitments"),
    pytest.param("staff.roads", "reopen", {"reason": "again"}, 409, None, id="reopen-an-open-case"),
    pytest.param("staff.roads", "items/99999/done", {}, 404, None, id="unknown-item"),
    pytest.param("staff.roads", "items/0/done", {}, 422, "item_id", id="item-id-zero"),
    pytest.param("staff.roads", "items/abc/done", {}, 422, "item_id", id="item-id-not-a-number"),
]


@pytest.mark.parametrize(("persona", "action", "body", "status", "names"), REFUSALS)
def test_refusals_name_the_field_or_rule_and_write_nothing(
    persona: str, action: str, body: Any, status: int, names: str | None, api_as: Any, make_case: Any
) -> None:
    case = make_case("POTHOLE")
    before = row_counts()

    error = _refused(api_as(persona).post(f"/cases/{case.reference}/{action}", body), status)

    if names is not None:
        assert names in (error.get("field"), error.get("rule")), error
    assert error["message"]
    assert row_counts() == before


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("acknowledge", {"message": "Inspecting tomorrow."}),
        ("route", {"department": "forestry", "reason": "a limb"}),
        ("assign", {"assignee": None}),
        ("follow-up-requests", None),
        ("redirect", {"reason": "x", "redirect_to": "y"}),
        ("close", {"note": "again"}),
    ],
)
def test_a_closed_case_refuses_transitions_with_409(action: str, body: Any, api_as: Any, make_case: Any) -> None:
    case = make_case("POTHOLE")
    actions.redirect_case(case=case, actor=None, reason="provincial road", redirect_to="the Ministry")
    before = row_counts()

    error = _refused(api_as("care.admin").post(f"/cases/{case.reference}/{action}", body), 409)

    assert error["code"] == "case_closed"
    assert row_counts() == before


def test_item_done_twice_is_409(api_as: Any, make_case: Any) -> None:
    case = make_case("POTHOLE")
    api = api_as("staff.roads")
    item = _ok(api.post(f"/cases/{case.reference}/items", {"description": "Cold patch"}), 201)
    _ok(api.post(f"/cases/{case.reference}/items/{item['id']}/done"))

    assert _refused(api.post(f"/cases/{case.reference}/items/{item['id']}/done"), 409)["code"] == "no_change"


def test_an_item_of_another_case_is_not_found(api_as: Any, make_case: Any) -> None:
    api = api_as("staff.roads")
    first, second = make_case("POTHOLE"), make_case("POTHOLE")
    item = _ok(api.post(f"/cases/{first.reference}/items", {"description": "Cold patch"}), 201)

    assert api.post(f"/cases/{second.reference}/items/{item['id']}/done").status_code == 404


def test_references_may_be_typed_with_dashes(api_as: Any, make_case: Any) -> None:
    case = make_case("POTHOLE")
    dashed = f"{case.reference[:3]}-{case.reference[3:6]}-{case.reference[6:]}"

    assert _ok(api_as("csr.alex").get(f"/cases/{dashed}"))["reference"] == case.reference
    assert _refused(api_as("csr.alex").get("/cases/123456780"), 404)["code"] == "not_found"
