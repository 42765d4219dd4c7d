"""Customer Care's follow-up requests and the escalation ladder (PK-FOLLOW, PK-ESC).

On the follow-up date Customer Care asks the department for an update; each
request unanswered leads to the next on the profile's ladder: in Pickering the
supervisor is copied on the 3rd, the director on the 4th, then daily. The sweep
sends those that fall due, with the ladder's text; staff send one from the desk
or the API with their own message. The ladder climbs one step per the
profile's gap: a request sent before its date needs a reason and repeats the
step already reached, so it never copies anyone new.

An answer from the department (see ``answered_by`` in the profile) ends the
round; the next round's requests are counted as the profile's ``new_round``
says, while request numbers run on over the case's whole life.
"""

from __future__ import annotations

from datetime import UTC, datetime

from civicdesk.domain.cases import clocks, journal, notifications
from civicdesk.domain.cases.access import require
from civicdesk.domain.cases.actions.common import AUTOMATIC, require_open
from civicdesk.domain.cases.errors import InvalidInput, TransitionRefused
from civicdesk.domain.cases.models import Action, Case, CommitmentState, FollowUpRequest, Purpose
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.staff.models import User
from civicdesk.engines import standards
from civicdesk.engines.standards.model import DEFAULT_REQUEST_MESSAGE

MESSAGE_LIMIT = 4000


def request_follow_up(*, case: Case, actor: User | None, message: str = "", reason: str = "") -> FollowUpRequest:
    """PK-FOLLOW / PK-ESC: ask the department for its update now, with ``message`` (the ladder's text if empty).

    On or after the pending request's date this is that request: the ladder
    climbs a step. Before it, ``reason`` says why the department is asked
    early; the request repeats the step reached and the ladder keeps its dates.
    """
    message, reason = message.strip(), reason.strip()
    if len(message) > MESSAGE_LIMIT:
        raise InvalidInput(f"the message is longer than {MESSAGE_LIMIT} characters", field="message")
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.request_follow_up", case)
        require_open(case, "follow it up")
        if case.department_id is None:
            raise TransitionRefused("route the case to a department before following it up", rule="PK-FOLLOW")
        pending = [c for c in work.open_commitments(case, [Purpose.FOLLOW_UP]) if c.state == CommitmentState.PENDING]
        if pending and pending[0].due_at <= work.now:
            return send_follow_up_request(work=work, case=case, actor=actor, at=work.now, message=message)
        if not reason:
            zone = clocks.profile_for(case.jurisdiction).calendar.tz
            when = (
                f"the next request is due {pending[0].due_at.astimezone(zone):%A %d %B %Y %H:%M}"
                if pending
                else "no follow-up request is due on this case"
            )
            raise InvalidInput(
                f"{when}; give a reason to ask the department before then", field="reason", rule="PK-FOLLOW"
            )
        return send_early_reminder(work=work, case=case, actor=actor, message=message, reason=reason)


def _request(
    *, work: UnitOfWork, case: Case, actor: User | None, at: datetime, step: int, message: str, reason: str
) -> FollowUpRequest:
    """Build request number ``case.follow_ups_sent + 1`` at ``step`` of the case's current round."""
    ladder = clocks.profile_for(case.jurisdiction).escalation
    number = case.follow_ups_sent + 1
    case.follow_ups_sent = number
    work.touch(case, "follow_ups_sent")
    copied_roles = ladder.copied_on(step) if ladder and step >= 1 else ()
    return FollowUpRequest(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        number=number,
        round=case.follow_up_round,
        step=step,
        sent_at=at,
        sent_by=actor,
        copied_roles=list(copied_roles),
        message=message or (ladder.message if ladder else DEFAULT_REQUEST_MESSAGE),
        early_reason=reason,
    )


def _journal_data(request: FollowUpRequest, copied: list[User]) -> dict[str, object]:
    return {
        "number": request.number,
        "round": request.round,
        "step": request.step,
        "scheduled_for": request.sent_at.isoformat(),
        "copied_roles": list(request.copied_roles),
        "copied": [u.get_username() for u in copied],
        "next_request_due": request.next_due_at.isoformat() if request.next_due_at else None,
        "early_reason": request.early_reason or None,
    }


def send_follow_up_request(
    *, work: UnitOfWork, case: Case, actor: User | None, at: datetime, message: str = ""
) -> FollowUpRequest:
    """PK-ESC: the next step of the round, dated ``at``; start the clock of the step after it.

    The pending follow-up clock is superseded; the roles the ladder names for
    this step are copied, and the step that first copies a role is journaled
    as an escalation. The sweep dates a request when it fell due, so requests
    sent after downtime keep the ladder's dates.
    """
    profile = clocks.profile_for(case.jurisdiction)
    ladder = profile.escalation
    step = case.follow_up_requests + 1
    _missed(work=work, case=case, at=at)
    request = _request(work=work, case=case, actor=actor, at=at, step=step, message=message, reason="")
    newly_copied = ladder.step(step).copy if ladder and step <= len(ladder.steps) else ()
    copied = notifications.staff_in_roles(case, request.copied_roles, work=work)
    next_request = standards.next_follow_up_request(profile, step, at) if ladder else None
    request.next_due_at = next_request.due_at.astimezone(UTC) if next_request else None
    case.follow_up_requests = step
    work.add_follow_up_request(request, copied=copied)
    work.touch(case, "follow_up_requests")
    data = _journal_data(request, copied)
    label = None if actor else AUTOMATIC
    journal.append(
        work=work,
        case=case,
        action=Action.FOLLOW_UP_REQUESTED,
        actor=actor,
        actor_label=label,
        note=request.message,
        data=data,
    )
    if newly_copied:
        journal.append(
            work=work,
            case=case,
            action=Action.ESCALATED,
            actor=actor,
            actor_label=label,
            data={**data, "newly_copied": list(newly_copied)},
        )
    if next_request is not None:
        clocks.fixed_clock(
            work=work,
            case=case,
            purpose=Purpose.FOLLOW_UP,
            rule=ladder.rule if ladder else "PK-ESC",
            due_at=next_request.due_at,
            reason=f"follow-up request {next_request.number} of round {case.follow_up_round}",
            sequence=step + 1,
        )
    notifications.follow_up_request(work=work, case=case, request=request, copied=copied)
    return request


def _missed(*, work: UnitOfWork, case: Case, at: datetime) -> None:
    """The follow-up date that led to this request passed with no update: missed, and still owed until one comes.

    A missed follow-up keeps the case overdue on the queues (the department owes its update) until an answer
    meets it, late; a clock not yet due is superseded by the next request's.
    """
    for commitment in work.open_commitments(case, [Purpose.FOLLOW_UP]):
        if commitment.state == CommitmentState.BREACHED:
            continue  # the sweep claimed it, or an earlier request of the round missed it
        if commitment.state == CommitmentState.PENDING and commitment.due_at <= at:
            commitment.state, commitment.breached_at = CommitmentState.BREACHED, commitment.due_at
            work.change_commitment(commitment, "state", "breached_at")
        else:
            commitment.state = CommitmentState.CANCELLED
            work.change_commitment(commitment, "state")


def send_early_reminder(
    *, work: UnitOfWork, case: Case, actor: User | None, message: str, reason: str
) -> FollowUpRequest:
    """A request before its date, for ``reason``: the step reached is repeated, its copies with it; no clock moves."""
    request = _request(
        work=work, case=case, actor=actor, at=work.now, step=case.follow_up_requests, message=message, reason=reason
    )
    pending = [c for c in work.open_commitments(case, [Purpose.FOLLOW_UP]) if c.state == CommitmentState.PENDING]
    request.next_due_at = pending[0].due_at if pending else None
    copied = notifications.staff_in_roles(case, request.copied_roles, work=work)
    work.add_follow_up_request(request, copied=copied)
    journal.append(
        work=work,
        case=case,
        action=Action.FOLLOW_UP_REQUESTED,
        actor=actor,
        note=f"{request.message}\n\n{reason}",
        data=_journal_data(request, copied),
    )
    notifications.follow_up_request(work=work, case=case, request=request, copied=copied)
    return request
