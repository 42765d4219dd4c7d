"""The sweep: find commitments that fell due, record each breach or ladder step once, in order.

Run every 30 seconds by ``civicdesk worker`` and on demand by
``civicdesk sweep --once``. It selects due rows by the (state, due_at) index,
claims each with a compare-and-set (``UPDATE … WHERE state = 'pending'``)
inside a transaction that holds the case lock, so two sweeps on two machines
never record the same step twice. After downtime it catches up in due order:
a follow-up request is dated when it was due, and the request it leads to is
processed in the same run if that is already due too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F

from civicdesk import clock
from civicdesk.cases import clocks, journal, notifications
from civicdesk.cases.models import Action, Case, Commitment, CommitmentState, Purpose, Status
from civicdesk.outbox.release import release_due_messages

logger = logging.getLogger("civicdesk.sweep")


@dataclass
class SweepReport:
    breaches: int = 0
    follow_up_requests: int = 0
    timeline_notices: int = 0
    claimed_elsewhere: int = 0
    messages_released: int = 0

    @property
    def steps(self) -> int:
        return self.breaches + self.follow_up_requests + self.timeline_notices

    def __str__(self) -> str:
        return (
            f"{self.breaches} missed standard(s), {self.follow_up_requests} follow-up request(s), "
            f"{self.timeline_notices} timeline notice(s), {self.messages_released} message(s) released"
        )


def run_sweep(*, now: datetime | None = None, batch_size: int = 200) -> SweepReport:
    """Process every commitment due at ``now``; safe to run on several workers at once."""
    now = now or clock.now()
    report = SweepReport()
    passed_over: set[int] = set()  # failed, or locked by another sweep: retried next run
    while True:
        due = list(
            Commitment.objects.filter(state=CommitmentState.PENDING, due_at__lte=now)
            .exclude(pk__in=passed_over)
            .order_by("due_at", "pk")
            .values_list("pk", "case_id")[:batch_size]
        )
        if not due:
            break
        # One transaction per batch (one fsync, not one per clock); a savepoint per clock
        # so one bad case rolls back alone. Every sweep walks clocks in the same order.
        with transaction.atomic():
            for pk, case_id in due:
                try:
                    with transaction.atomic():
                        if not _process(pk, case_id, now, report):
                            passed_over.add(pk)
                except Exception:
                    # One bad case must not stop the sweep for every other case.
                    logger.exception("sweep: commitment %s of case %s failed", pk, case_id)
                    passed_over.add(pk)
    report.messages_released = release_due_messages(now=now)
    if report.steps or report.messages_released:
        logger.info("sweep: %s", report)
    return report


def _process(pk: int, case_id: int, now: datetime, report: SweepReport) -> bool:
    """Record what clock ``pk`` falling due means; False if another sweep holds its case right now."""
    from civicdesk.cases.services import _send_follow_up_request

    case = (
        Case.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("jurisdiction", "department", "service")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        return False
    claimed = Commitment.objects.filter(pk=pk, state=CommitmentState.PENDING, due_at__lte=now).update(
        state=CommitmentState.BREACHED, breached_at=F("due_at")
    )
    if not claimed:
        report.claimed_elsewhere += 1
        return True
    commitment = Commitment.objects.get(pk=pk)
    if case.status != Status.OPEN:
        commitment.state = CommitmentState.CANCELLED
        commitment.save(update_fields=["state"])
    elif commitment.purpose == Purpose.FOLLOW_UP:
        _send_follow_up_request(case, actor=None, at=commitment.due_at)
        report.follow_up_requests += 1
    elif commitment.purpose == Purpose.TIMELINE_NOTICE:
        _raise_timeline_notice(case, commitment, now)
        report.timeline_notices += 1
    else:
        _record_breach(case, commitment)
        report.breaches += 1
    clocks.refresh(case)
    return True


def _record_breach(case: Case, commitment: Commitment) -> None:
    journal.append(
        case=case,
        action=Action.COMMITMENT_BREACHED,
        actor=None,
        actor_label="sweep",
        data={"standard": commitment.standard, "purpose": commitment.purpose, "due_at": commitment.due_at.isoformat()},
    )
    notifications.to_staff(
        case,
        kind="standard_missed",
        rule=commitment.standard,
        subject=f"Case {case.reference}: {commitment.get_purpose_display()} is overdue ({commitment.standard})",
        body=f"The standard {commitment.standard} fell due at {commitment.due_at.isoformat()} and is not met.",
        dedupe=f"breach:{commitment.pk}",
    )


def _raise_timeline_notice(case: Case, commitment: Commitment, now: datetime) -> None:
    """PK-MISS: a week before the anticipated completion, ask staff to tell the resident if it will slip."""
    commitment.state = CommitmentState.MET
    commitment.met_at = now
    commitment.save(update_fields=["state", "met_at"])
    completion = (
        case.commitments.filter(purpose=Purpose.COMPLETE, state=CommitmentState.PENDING).order_by("due_at").first()
    )
    journal.append(
        case=case,
        action=Action.TIMELINE_NOTICE_DUE,
        actor=None,
        actor_label="sweep",
        data={"standard": commitment.standard, "completion_due": completion.due_at.isoformat() if completion else None},
    )
    notifications.to_staff(
        case,
        kind="timeline_notice",
        rule=commitment.standard,
        subject=f"Case {case.reference}: completion due in a week — tell the resident now if it will slip",
        body=(
            "If the timeline cannot be met, record a new timeline with the reason; the resident and "
            f"interested parties are told ({commitment.standard})."
        ),
        dedupe=f"notice:{commitment.pk}",
    )
