"""What the sweep records when a clock falls due: a missed standard, a missed PK-MISS notice, a pause held too long.

Both work in the sweep's unit of work, on a clock it has claimed: the
journal says what happened and the responsible staff are told, in business
hours. A retried step never queues its message twice (its dedupe key names
the clock).
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

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
    subject, body = notifications.compose(
        "standard_missed",
        case,
        work=work,
        standard=commitment.standard,
        purpose=commitment.get_purpose_display(),
        due_at=commitment.due_at,
    )
    notifications.to_staff(
        work=work,
        case=case,
        kind="standard_missed",
        rule=commitment.standard,
        subject=subject,
        body=body,
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
    subject, body = notifications.compose("timeline_notice", case, work=work, standard=commitment.standard)
    notifications.to_staff(
        work=work,
        case=case,
        kind="timeline_notice",
        rule=commitment.standard,
        subject=subject,
        body=body,
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
    with translation.override(notifications.message_language(case, "paused_too_long")):
        who = case.paused_by.display_name if case.paused_by else _("Staff")
        since = notifications.local_time(case, case.paused_since) if case.paused_since else _("an unknown date")
    subject, body = notifications.compose(
        "paused_too_long",
        case,
        work=work,
        paused_by=who,
        paused_since=since,
        waiting_on=case.pause_reason,
        longest_until=commitment.due_at,
    )
    notifications.to_customer_care(
        work=work,
        case=case,
        kind="paused_too_long",
        rule=commitment.standard,
        subject=subject,
        body=body,
        dedupe=f"paused-too-long:{commitment.pk}",
    )
