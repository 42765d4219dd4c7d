"""The sweep: find commitments that fell due, record each breach or ladder step once, in order.

Run every 30 seconds by ``civicdesk worker`` and on demand by
``civicdesk sweep --once``. It selects due rows by the (state, due_at) index
and works through them in batches, one transaction each: the batch's cases
are locked (``SKIP LOCKED`` on PostgreSQL: a case another sweep holds is left
for the next run), each due clock still pending is claimed, and the public
actions build their steps in one unit of work for the batch
(:class:`civicdesk.domain.cases.unit_of_work.UnitOfWork`), written with a few
statements per batch, the claim being a compare-and-set (``UPDATE … WHERE
state = 'pending'``) that must take every clock or roll the batch back. So two
sweeps on two machines never record the same step twice. After downtime it
catches up in due order: a follow-up request is dated when it was due, and
the request it leads to is processed in the same run if that is already due
too. A case whose step fails is skipped (logged) without holding up the rest.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, fields
from datetime import datetime
from itertools import groupby

from civicdesk.domain.cases import actions
from civicdesk.domain.cases.models import Case, Commitment, CommitmentState, Purpose
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.outbox.release import release_due_messages
from civicdesk.platform import timesource

logger = logging.getLogger("civicdesk.sweep")


@dataclass
class SweepReport:
    breaches: int = 0
    follow_up_requests: int = 0
    timeline_notices: int = 0
    claimed_elsewhere: int = 0
    messages_released: int = 0

    def add(self, other: SweepReport) -> None:
        for counter in fields(self):
            setattr(self, counter.name, getattr(self, counter.name) + getattr(other, counter.name))

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
    now = now or timesource.now()
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
        try:
            report.add(_sweep_batch(due, now, passed_over))
        except Exception:
            # A write failed for the batch as a whole: go case by case, so only the bad case waits.
            logger.exception("sweep: batch of %s clocks failed; retrying case by case", len(due))
            for case_id, clocks in groupby(sorted(due, key=lambda row: row[1]), key=lambda row: row[1]):
                rows = list(clocks)
                try:
                    report.add(_sweep_batch(rows, now, passed_over))
                except Exception:
                    logger.exception("sweep: case %s failed", case_id)
                    passed_over.update(pk for pk, _ in rows)
    report.messages_released = release_due_messages(now=now)
    if report.steps or report.messages_released:
        logger.info("sweep: %s", report)
    return report


def _sweep_batch(due: list[tuple[int, int]], now: datetime, passed_over: set[int]) -> SweepReport:
    """One transaction: lock the cases of ``due`` clocks, build every step in one unit of work, write them together."""
    report = SweepReport()
    with UnitOfWork.atomic(now=now) as work:
        cases = work.lock({case_id for _, case_id in due}, skip_locked=True)
        locked = {case.pk for case in cases}
        passed_over.update(pk for pk, case_id in due if case_id not in locked)  # another sweep has it now
        wanted = {pk for pk, case_id in due if case_id in locked}
        due_per_case = Counter(case_id for _, case_id in due)
        for case in cases:
            # Read under the lock: a clock another sweep took since our select is no longer pending.
            still_due = [
                c
                for c in work.open_commitments(case)
                if c.pk in wanted and c.state == CommitmentState.PENDING and c.due_at <= now
            ]
            report.claimed_elsewhere += due_per_case[case.pk] - len(still_due)
            steps = SweepReport()
            try:
                for commitment in still_due:
                    _step(work, case, commitment, steps)
            except Exception:
                # One bad case must not stop the sweep for every other case.
                logger.exception("sweep: case %s failed", case.pk)
                work.discard(case.pk)
                passed_over.update(c.pk for c in still_due)
                continue
            report.add(steps)
    return report


def _step(work: UnitOfWork, case: Case, commitment: Commitment, report: SweepReport) -> None:
    """Claim ``commitment`` and record what its falling due means for ``case``, through the public actions."""
    work.claim(commitment)
    if not case.is_open:
        actions.closing.end_clock(work=work, case=case, commitment=commitment)
    elif commitment.purpose == Purpose.FOLLOW_UP:
        actions.escalation.send_follow_up_request(work=work, case=case, actor=None, at=commitment.due_at)
        report.follow_up_requests += 1
    elif commitment.purpose == Purpose.PAUSE_LIMIT:
        actions.breaches.record_paused_too_long(work=work, case=case, commitment=commitment)
        report.breaches += 1
    elif commitment.purpose == Purpose.TIMELINE_NOTICE:
        actions.breaches.raise_timeline_notice(work=work, case=case, commitment=commitment)
        report.timeline_notices += 1
    else:
        actions.breaches.record_breach(work=work, case=case, commitment=commitment)
        report.breaches += 1
