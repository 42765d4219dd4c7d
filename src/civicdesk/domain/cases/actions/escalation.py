"""Customer Care's follow-up requests and the escalation ladder (PK-FOLLOW, PK-ESC).

On the follow-up date Customer Care asks the department for an update; each
request unanswered leads to the next on the profile's ladder: in Pickering the
supervisor is copied on the 3rd, the director on the 4th, then daily. Staff
send one from the desk or the API; the sweep sends those that fall due.
"""

from __future__ import annotations

from datetime import UTC, datetime

from civicdesk.domain.cases import clocks, journal, notifications
from civicdesk.domain.cases.access import require
from civicdesk.domain.cases.actions.common import AUTOMATIC, require_open
from civicdesk.domain.cases.errors import TransitionRefused
from civicdesk.domain.cases.models import Action, Case, FollowUpRequest, Purpose
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.staff.models import User
from civicdesk.engines import standards


def request_follow_up(*, case: Case, actor: User | None, scheduled_for: datetime | None = None) -> FollowUpRequest:
    """PK-FOLLOW: send the next follow-up request now; the ladder decides who is copied and when the next is due."""
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.request_follow_up", case)
        require_open(case, "follow it up")
        if case.department_id is None:
            raise TransitionRefused("route the case to a department before following it up", rule="PK-FOLLOW")
        return send_follow_up_request(work=work, case=case, actor=actor, at=scheduled_for or work.now)


def send_follow_up_request(*, work: UnitOfWork, case: Case, actor: User | None, at: datetime) -> FollowUpRequest:
    """PK-ESC: send request number ``case.follow_up_requests + 1``, dated ``at``, and start the clock of the next.

    The pending follow-up clock is superseded; the roles the ladder names for
    this request are copied, and the step that first copies a role is journaled
    as an escalation. The sweep dates a request when it fell due, so requests
    sent after downtime keep the ladder's dates.
    """
    profile = clocks.profile_for(case.jurisdiction)
    ladder = profile.escalation
    number = case.follow_up_requests + 1
    clocks.cancel(work=work, case=case, purposes=[Purpose.FOLLOW_UP])  # superseded by the next request's clock
    copied_roles = ladder.copied_on(number) if ladder else ()
    newly_copied = ladder.step(number).copy if ladder and number <= len(ladder.steps) else ()
    copied = notifications.staff_in_roles(case, copied_roles)
    next_request = standards.next_follow_up_request(profile, number, at) if ladder else None
    request = FollowUpRequest(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        number=number,
        sent_at=at,
        sent_by=actor,
        copied_roles=list(copied_roles),
        next_due_at=next_request.due_at.astimezone(UTC) if next_request else None,
    )
    case.follow_up_requests = number
    work.add_follow_up_request(request, copied=copied)
    work.touch(case, "follow_up_requests")
    data = {
        "number": number,
        "scheduled_for": at.isoformat(),
        "copied_roles": list(copied_roles),
        "copied": [u.get_username() for u in copied],
        "next_request_due": request.next_due_at.isoformat() if request.next_due_at else None,
    }
    label = None if actor else AUTOMATIC
    journal.append(work=work, case=case, action=Action.FOLLOW_UP_REQUESTED, actor=actor, actor_label=label, data=data)
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
            reason=f"follow-up request {number + 1}",
            sequence=number + 1,
        )
    notifications.follow_up_request(work=work, case=case, request=request, copied=copied)
    return request
