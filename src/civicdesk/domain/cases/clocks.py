"""Commitments from the jurisdiction's standards profile: which clocks a case gets, and when each is due.

The standards engine (pure Python) computes; this module turns its answers
into :class:`Commitment` rows. It is called only from service functions, in
their transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from django.db.models import Count, Min, Q

from civicdesk.domain.cases import standing
from civicdesk.domain.cases.bulk import update_each
from civicdesk.domain.cases.models import OPEN_COMMITMENT_STATES, Case, Commitment, CommitmentState, Purpose
from civicdesk.domain.city.models import Jurisdiction
from civicdesk.engines import standards
from civicdesk.engines.standards import Profile, Standard

if TYPE_CHECKING:
    from civicdesk.domain.cases.batch import Batch

# Standards whose clock starts at receipt and that a new case owes from the start.
INTAKE_PURPOSES = (Purpose.ACKNOWLEDGE, Purpose.RESPOND, Purpose.INTERIM, Purpose.CALLBACK)
# Purposes whose action is still owed after the deadline passed: closing waits for them (PK-CLOSE).
OWED_AFTER_BREACH = (
    Purpose.ACKNOWLEDGE,
    Purpose.INSPECT,
    Purpose.RESPOND,
    Purpose.INTERIM,
    Purpose.CALLBACK,
    Purpose.COMPLETE,
)


@lru_cache(maxsize=64)
def profile_named(name: str) -> Profile:
    return standards.load_profile(name)


def profile_for(jurisdiction: Jurisdiction) -> Profile:
    return profile_named(jurisdiction.profile)


def purpose_of(standard: Standard) -> Purpose | None:
    return Purpose(standard.purpose) if standard.purpose else None


def intake_standards(profile: Profile, case: Case) -> list[tuple[Purpose, Standard]]:
    """The deadlines a new case owes (PK-ACK-1BD, PK-HAZARD, PK-CALLBACK, PK-EMAIL-*, PK-MAIL-*, MB-LETTER…)."""
    return standing.owed_at_intake(
        profile, kind=case.kind, channel=case.channel, hazard=case.hazard, investigate=case.investigate
    )


def start_clock(case: Case, *, purpose: Purpose, standard_id: str, start: datetime, sequence: int = 0) -> Commitment:
    """Create the commitment for ``standard_id`` with its clock started at ``start``."""
    profile = profile_for(case.jurisdiction)
    due = standards.due(profile, standard_id, start)
    return Commitment.objects.create(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        purpose=purpose,
        standard=standard_id,
        started_at=due.started_at.astimezone(UTC),
        due_at=due.due_at.astimezone(UTC),
        calendar_version=due.calendar_version,
        explanation={"lines": due.explain(), "skipped": [s.as_dict() for s in due.skipped]},
        sequence=sequence,
    )


def fixed_clock(
    case: Case,
    *,
    purpose: Purpose,
    rule: str,
    due_at: datetime,
    reason: str,
    sequence: int = 0,
    batch: Batch | None = None,
) -> Commitment:
    """A commitment whose date was agreed rather than computed (a department's timeline)."""
    now = due_at if due_at.tzinfo else due_at.replace(tzinfo=UTC)
    profile = profile_for(case.jurisdiction)
    commitment = Commitment(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        purpose=purpose,
        standard=rule,
        started_at=now,
        due_at=now.astimezone(UTC),
        calendar_version=profile.calendar.version,
        explanation={"lines": [f"{rule}: {reason}", f"due {now.astimezone(profile.calendar.tz).isoformat()}"]},
        sequence=sequence,
    )
    if batch is not None:
        batch.add_commitment(commitment)
    else:
        commitment.save()
    return commitment


def open_commitments(
    case: Case, purposes: Iterable[Purpose] | None = None, *, batch: Batch | None = None
) -> list[Commitment]:
    if batch is not None:
        wanted = None if purposes is None else set(purposes)
        return [c for c in batch.open_for(case) if wanted is None or c.purpose in wanted]
    query = case.commitments.filter(state__in=OPEN_COMMITMENT_STATES)
    if purposes is not None:
        query = query.filter(purpose__in=list(purposes))
    return list(query.order_by("due_at", "pk"))


def meet(case: Case, purposes: Iterable[Purpose], at: datetime) -> list[Commitment]:
    """Mark the open commitments of ``purposes`` met at ``at`` (late if already breached); return them."""
    met = []
    for commitment in open_commitments(case, purposes):
        commitment.state = CommitmentState.MET
        commitment.met_at = at
        commitment.paused_at = None
        commitment.save(update_fields=["state", "met_at", "paused_at"])
        met.append(commitment)
    return met


def cancel(case: Case, purposes: Iterable[Purpose] | None = None, *, batch: Batch | None = None) -> list[Commitment]:
    cancelled = []
    for commitment in open_commitments(case, purposes, batch=batch):
        commitment.state = CommitmentState.CANCELLED
        if batch is not None:
            batch.changed(commitment, "state")
        else:
            commitment.save(update_fields=["state"])
        cancelled.append(commitment)
    return cancelled


def still_owed(case: Case) -> list[Commitment]:
    """Commitments that keep a case open: pending or paused, or breached with the action still owed."""
    return [
        c
        for c in open_commitments(case)
        if c.state != CommitmentState.BREACHED or (c.purpose in OWED_AFTER_BREACH and c.met_at is None)
    ]


def pause(case: Case, at: datetime) -> list[Commitment]:
    paused = []
    for commitment in case.commitments.filter(state=CommitmentState.PENDING):
        commitment.state = CommitmentState.PAUSED
        commitment.paused_at = at
        commitment.save(update_fields=["state", "paused_at"])
        paused.append(commitment)
    return paused


def resume(case: Case, at: datetime) -> list[Commitment]:
    """Resume paused clocks; each due date moves by the paused business time, computed by the engine."""
    profile = profile_for(case.jurisdiction)
    resumed = []
    for commitment in case.commitments.filter(state=CommitmentState.PAUSED, paused_at__isnull=False):
        assert commitment.paused_at is not None  # noqa: S101 — narrowed by the filter; for the type checker
        commitment.pauses = [*commitment.pauses, [commitment.paused_at.isoformat(), at.isoformat()]]
        pauses = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in commitment.pauses]
        try:
            due = standards.due(profile, commitment.standard, commitment.started_at, pauses)
            commitment.due_at = due.due_at.astimezone(UTC)
            commitment.calendar_version = due.calendar_version
            commitment.explanation = {"lines": due.explain(), "skipped": [s.as_dict() for s in due.skipped]}
        except standards.StandardsError:
            # An agreed date (not a profile standard) moves by the whole pause.
            commitment.due_at = commitment.due_at + (at - commitment.paused_at)
        commitment.state = CommitmentState.PENDING
        commitment.paused_at = None
        commitment.save()
        resumed.append(commitment)
    return resumed


def refresh(case: Case) -> None:
    """Bring the case's clock summary (next due, overdue since, paused) in step with its commitments."""
    refresh_many([case])


SUMMARY_FIELDS = ("next_due_at", "owed_since", "clocks_paused")


def refresh_many(cases: Sequence[Case]) -> None:
    """:func:`refresh` for many cases: one grouped query, one write for the cases whose summary changed."""
    if not cases:
        return
    summaries = {
        row["case_id"]: row
        for row in Commitment.objects.filter(case_id__in=[case.pk for case in cases])
        .values("case_id")
        .annotate(
            next_due_at=Min("due_at", filter=Q(state=CommitmentState.PENDING)),
            owed_since=Min(
                "due_at",
                filter=Q(state=CommitmentState.BREACHED, met_at__isnull=True, purpose__in=OWED_AFTER_BREACH),
            ),
            paused=Count("pk", filter=Q(state=CommitmentState.PAUSED)),
        )
        .order_by()
    }
    stale: list[Case] = []
    changed_fields: set[str] = set()
    for case in cases:
        summary = summaries.get(case.pk, {})
        values = {
            "next_due_at": summary.get("next_due_at"),
            "owed_since": summary.get("owed_since"),
            "clocks_paused": bool(summary.get("paused")),
        }
        changed = [name for name in SUMMARY_FIELDS if getattr(case, name) != values[name]]
        for name in changed:
            setattr(case, name, values[name])
        if changed:
            stale.append(case)
            changed_fields.update(changed)
    update_each(stale, [name for name in SUMMARY_FIELDS if name in changed_fields])


def recompute(case: Case, profile: Profile) -> list[tuple[Commitment, datetime]]:
    """Recompute the running clocks computed by an older calendar version; return (commitment, old due) pairs.

    Agreed dates (a department's timeline, ladder requests) are not the calendar's to move.
    """
    changed = []
    for commitment in case.commitments.filter(state__in=(CommitmentState.PENDING, CommitmentState.PAUSED)).exclude(
        calendar_version=profile.calendar.version
    ):
        if commitment.standard not in profile.standards:
            continue
        pauses = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in commitment.pauses]
        due = standards.due(profile, commitment.standard, commitment.started_at, pauses)
        old = commitment.due_at
        commitment.due_at = due.due_at.astimezone(UTC)
        commitment.calendar_version = due.calendar_version
        commitment.explanation = {"lines": due.explain(), "skipped": [s.as_dict() for s in due.skipped]}
        commitment.save(update_fields=["due_at", "calendar_version", "explanation"])
        changed.append((commitment, old))
    return changed
