"""Pauses with limits: a reason from the profile's list, agreed dates kept, and Customer Care told when one runs long.

Each scenario reads the case on the API and the desk (case page and queue): both say who paused, since when and why.
"""

from __future__ import annotations

from datetime import datetime
from html import unescape
from typing import Any

from django.test import Client
from django.urls import reverse

from civicdesk.domain.cases.models import Action, CommitmentState, Purpose
from civicdesk.domain.cases.references import display
from civicdesk.domain.cases.sweep import run_sweep
from civicdesk.domain.outbox.models import OutboxMessage
from civicdesk.domain.staff.models import User
from tests.fixtures.clock import local


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def _desk(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _pending(out: dict[str, Any], purpose: str) -> list[datetime]:
    return [
        datetime.fromisoformat(c["due_at"])
        for c in out["commitments"]
        if c["purpose"] == purpose and c["state"] == "pending"
    ]


def test_pk_miss_resume_on_a_case_with_an_agreed_timeline_keeps_its_dates(
    api_as: Any, make_case: Any, now: Any
) -> None:
    case = make_case("STREETLIGHT")  # Tuesday 17 November 10:00
    ref = case.reference
    roads = api_as("staff.roads")
    plan = {"update": "action_planned", "note": "Relamp", "timeline": "2026-12-04T16:30:00-05:00"}
    planned = _ok(roads.post(f"/cases/{ref}/updates", plan))
    assert _pending(planned, "follow_up") == [local(2026, 12, 4, 16, 30)]  # the agreed date, not two weeks on

    now.set(local(2026, 11, 18, 10, 0))
    _ok(roads.post(f"/cases/{ref}/pause", {"waiting_on": "contractor", "reason": "Lamp on back order"}))
    now.set(local(2026, 11, 20, 10, 0))
    resumed = _ok(roads.post(f"/cases/{ref}/resume"))

    assert "paused" not in {c["state"] for c in resumed["commitments"]}
    assert _pending(resumed, "complete") == [local(2026, 12, 4, 16, 30)]
    assert _pending(resumed, "follow_up") == [local(2026, 12, 4, 16, 30)]
    assert _pending(resumed, "timeline_notice") == [local(2026, 11, 27, 16, 30)]  # a week before, a Friday
    assert (resumed["paused_since"], resumed["paused_by"], resumed["pause_reason"]) == (None, None, "")
    page = unescape(_desk("staff.roads").get(reverse("desk:case", args=[ref])).content.decode())
    assert "Clocks paused" not in page


def test_pk_esc_a_pause_needs_a_reason_from_the_profile(api_as: Any, make_case: Any) -> None:
    case = make_case("STREETLIGHT")
    refused = api_as("staff.roads").post(f"/cases/{case.reference}/pause", {"waiting_on": "lunch", "reason": "x"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["field"] == "waiting_on"
    assert "resident, access, other_agency, contractor, season" in error["message"]
    page = _desk("staff.roads").post(
        reverse("desk:transition", args=[case.reference, "pause"]), {"pause-waiting_on": "lunch", "pause-reason": "x"}
    )
    assert page.status_code == 422


def test_pk_esc_a_pause_longer_than_the_profile_allows_tells_customer_care(
    api_as: Any, make_case: Any, now: Any
) -> None:
    case = make_case("STREETLIGHT")  # Tuesday 17 November; follow-up date Tuesday 1 December
    ref = case.reference
    roads, csr = api_as("staff.roads"), api_as("csr.alex")
    _ok(roads.post(f"/cases/{ref}/acknowledge", {"message": "We will relamp it."}))
    paused = _ok(roads.post(f"/cases/{ref}/pause", {"waiting_on": "other_agency", "reason": "Hydro must isolate"}))
    assert paused["clock_state"] == "paused"
    assert paused["paused_by"] == "staff.roads"
    assert datetime.fromisoformat(paused["paused_since"]) == local(2026, 11, 17, 10, 0)
    assert paused["pause_reason"] == "other_agency"
    queue = unescape(_desk("csr.alex").get(reverse("desk:queue", args=["care"])).content.decode())
    row = queue.split(display(ref), 1)[1].split("</tr>", 1)[0]
    assert "paused since" in row
    assert "Waiting on another agency or a utility" in row
    assert "paused too long" not in row

    # Ten business days: 18-20, 23-27, 30 November, 1 December (no holiday), to closing → Tuesday 1 December 16:30.
    now.set(local(2026, 12, 1, 16, 29))
    run_sweep()
    assert not OutboxMessage.objects.filter(case=case, kind="paused_too_long").exists()
    now.set(local(2026, 12, 1, 16, 31))
    run_sweep()
    told = OutboxMessage.objects.get(case=case, kind="paused_too_long")
    assert told.recipient_user is not None
    assert told.recipient_user.username == "care.admin"
    assert "Hydro" not in told.body  # the staff note stays on the case; the message names the reason
    assert "other_agency" in told.body
    assert case.journal.filter(action=Action.PAUSED_TOO_LONG).count() == 1
    assert not case.follow_up_request_log.exists()  # the follow-up clock is paused with the rest

    out = _ok(csr.get(f"/cases/{ref}"))
    assert out["clock_state"] == "breached"
    page = unescape(_desk("csr.alex").get(reverse("desk:case", args=[ref])).content.decode())
    assert "paused too long: Customer Care is told" in page
    queue = unescape(_desk("csr.alex").get(reverse("desk:queue", args=["care"])).content.decode())
    assert "paused too long" in queue.split(display(ref), 1)[1].split("</tr>", 1)[0]
    assert _ok(csr.get("/cases", {"state": "breached"}))["results"][0]["reference"] == ref

    # Resumed: the longest-pause clock is met (late); PK-FOLLOW's two weeks from routing do not count the pause.
    now.set(local(2026, 12, 2, 9, 0))
    resumed = _ok(roads.post(f"/cases/{ref}/resume"))
    limit = case.commitments.get(purpose=Purpose.PAUSE_LIMIT)
    assert limit.state == CommitmentState.MET
    assert resumed["clock_state"] != "breached"
    assert _pending(resumed, "follow_up") == [local(2026, 12, 16, 9, 0)]  # 14 days 23 hours paused


def test_pk_esc_pausing_again_does_not_restart_the_longest_pause(api_as: Any, make_case: Any, now: Any) -> None:
    """Resume and pause again, ten days at a time: the allowance counts from the round's first pause."""
    case = make_case("STREETLIGHT")  # Tuesday 17 November 10:00
    ref = case.reference
    roads = api_as("staff.roads")
    _ok(roads.post(f"/cases/{ref}/pause", {"waiting_on": "other_agency", "reason": "Hydro must isolate"}))
    now.set(local(2026, 11, 27, 10, 0))
    _ok(roads.post(f"/cases/{ref}/resume"))
    _ok(roads.post(f"/cases/{ref}/pause", {"waiting_on": "other_agency", "reason": "Hydro again"}))

    # The first pause's ten business days end Tuesday 1 December 16:30, and so does the second's.
    limits = case.commitments.filter(purpose=Purpose.PAUSE_LIMIT).order_by("pk")
    assert [c.due_at for c in limits] == [local(2026, 12, 1, 16, 30)] * 2
    now.set(local(2026, 12, 1, 16, 31))
    run_sweep()
    assert OutboxMessage.objects.filter(case=case, kind="paused_too_long").count() == 1
    assert _ok(api_as("csr.alex").get(f"/cases/{ref}"))["clock_state"] == "breached"

    # Once the allowance is used up, a pause in the same round is overdue at once.
    now.set(local(2026, 12, 2, 10, 0))
    _ok(roads.post(f"/cases/{ref}/resume"))
    _ok(roads.post(f"/cases/{ref}/pause", {"waiting_on": "other_agency", "reason": "And again"}))
    assert case.commitments.filter(purpose=Purpose.PAUSE_LIMIT).order_by("-pk")[0].due_at == local(2026, 12, 2, 10, 0)
