"""What the sweep records when a clock falls due: a missed standard, a missed PK-MISS notice, a pause held too long.

Both work in the sweep's unit of work, on a clock it has claimed: the
journal says what happened and the responsible staff are told, in business
hours. A retried step never queues its message twice (its dedupe key names
the clock).
"""

from __future__ import annotations

from civicdesk.domain.cases import journal, notifications
from civicdesk.domain.cases.actions.common import SWEEP
from civicdesk.domain.cases.models import Action, Case, Commitment, CommitmentState, Purpose
from civicdesk.domain.cases.unit_of_work import UnitOfWork


def record_breach(*, work: UnitOfWork, case: Case, commitment: Commitment) -> None:
    """A standard was missed (PK-ACK-1BD, PK-HAZARD, PK-UPDATE…): journal it and tell the responsible staff."""
    journal.append(
        work=work,
        case=case,
        action=Action.COMMITMENT_BREACHED,
        actor=None,
        actor_label=SWEEP,
        data={"standard": commitment.standard, "purpose": commitment.purpose, "due_at": commitment.due_at.isoformat()},
    )
    notifications.to_staff(
        work=work,
        case=case,
        kind="standard_missed",
        rule=commitment.standard,
        subject=f"Case {case.reference}: {commitment.get_purpose_display()} is overdue ({commitment.standard})",
        body=f"The standard {commitment.standard} fell due at {commitment.due_at.isoformat()} and is not met.",
        dedupe=f"breach:{commitment.pk}",
    )


def raise_timeline_notice(*, work: UnitOfWork, case: Case, commitment: Commitment) -> None:
    """PK-MISS: a week before the anticipated completion nobody told the resident whether it holds: a missed notice.

    The sweep has claimed the notice as breached; it is met only by staff telling the resident (a new timeline
    with its reason, or the resident told it holds), never by the sweep. Staff are asked to tell them now.
    """
    completion = next(
        (c for c in work.open_commitments(case, [Purpose.COMPLETE]) if c.state == CommitmentState.PENDING), None
    )
    journal.append(
        work=work,
        case=case,
        action=Action.TIMELINE_NOTICE_DUE,
        actor=None,
        actor_label=SWEEP,
        data={
            "standard": commitment.standard,
            "due_at": commitment.due_at.isoformat(),
            "completion_due": completion.due_at.isoformat() if completion else None,
            "missed": True,
        },
    )
    notifications.to_staff(
        work=work,
        case=case,
        kind="timeline_notice",
        rule=commitment.standard,
        subject=f"Case {case.reference}: tell the resident now whether the timeline holds ({commitment.standard} missed)",
        body=(
            "The resident was not told a week before the anticipated completion. If the timeline cannot be met, "
            "record a new timeline with the reason; if it holds, record that the resident was told "
            f"({commitment.standard})."
        ),
        dedupe=f"notice:{commitment.pk}",
    )


def record_paused_too_long(*, work: UnitOfWork, case: Case, commitment: Commitment) -> None:
    """The case has been paused longer than the profile allows: journal it and tell Customer Care.

    The case stays overdue until its clocks run again, so a pause cannot silence the PK-ESC ladder for good.
    """
    journal.append(
        work=work,
        case=case,
        action=Action.PAUSED_TOO_LONG,
        actor=None,
        actor_label=SWEEP,
        data={
            "since": case.paused_since.isoformat() if case.paused_since else None,
            "waiting_on": case.pause_reason,
            "paused_by": case.paused_by.get_username() if case.paused_by else None,
            "longest_until": commitment.due_at.isoformat(),
        },
    )
    who = (case.paused_by.get_full_name() or case.paused_by.get_username()) if case.paused_by else "Staff"
    since = case.paused_since.isoformat() if case.paused_since else "an unknown date"
    notifications.to_customer_care(
        work=work,
        case=case,
        kind="paused_too_long",
        rule=commitment.standard,
        subject=f"Case {case.reference} has been paused too long",
        body=(
            f"{who} paused the clocks of case {case.reference} on {since} (waiting on: {case.pause_reason}). "
            f"The longest pause allowed ended at {commitment.due_at.isoformat()}: follow it up with the department."
        ),
        dedupe=f"paused-too-long:{commitment.pk}",
    )
