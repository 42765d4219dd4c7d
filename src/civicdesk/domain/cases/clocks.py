"""Commitments from the jurisdiction's standards profile: which clocks a case gets, and when each is due.

The standards engine (pure Python) computes; this module turns its answers
into :class:`Commitment` rows in the unit of work of a case action, which
holds the case locked and writes the rows at its flush.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from civicdesk.domain.cases import standing
from civicdesk.domain.cases.models import Case, Commitment, CommitmentState, Purpose
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.city.models import Jurisdiction
from civicdesk.domain.city.profiles import profile_named
from civicdesk.engines import standards
from civicdesk.engines.standards import Profile, Standard
from civicdesk.engines.standards.model import PausePolicy

# The rule a longest-pause clock is journaled under: the profile's [pauses] table, a product rule.
PAUSE_LIMIT_RULE = "PAUSE-LIMIT"


def profile_for(jurisdiction: Jurisdiction) -> Profile:
    return profile_named(jurisdiction.profile)


def intake_standards(profile: Profile, case: Case) -> list[tuple[Purpose, Standard]]:
    """The deadlines a new case owes (PK-ACK-1BD, PK-HAZARD, PK-CALLBACK, PK-EMAIL-*, PK-MAIL-*, MB-LETTER…).

    The rule is the read model's (:func:`standing.owed_at_intake`), so the promise told to a caller is the
    clocks started.
    """
    return standing.owed_at_intake(
        profile,
        kind=case.kind,
        channel=case.channel,
        hazard=case.hazard,
        investigate=case.investigate,
        received_at=case.received_at,
        safety_threat=case.safety_threat,
    )


def start_clock(
    *, work: UnitOfWork, case: Case, purpose: Purpose, standard_id: str, start: datetime, sequence: int = 0
) -> Commitment:
    """Add the commitment for ``standard_id`` with its clock started at ``start``."""
    due = standards.due(profile_for(case.jurisdiction), standard_id, start)
    commitment = Commitment(
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
    work.add_commitment(commitment)
    return commitment


def fixed_clock(
    *, work: UnitOfWork, case: Case, purpose: Purpose, rule: str, due_at: datetime, reason: str, sequence: int = 0
) -> Commitment:
    """Add a commitment whose date was agreed rather than computed (a department's timeline, a ladder request)."""
    profile = profile_for(case.jurisdiction)
    commitment = Commitment(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        purpose=purpose,
        standard=rule,
        started_at=due_at,
        due_at=due_at.astimezone(UTC),
        calendar_version=profile.calendar.version,
        explanation={
            "lines": [f"{rule}: {reason}", f"due {due_at.astimezone(profile.calendar.tz).isoformat()}"],
            "agreed": True,
        },
        sequence=sequence,
    )
    work.add_commitment(commitment)
    return commitment


def pause_limit(*, work: UnitOfWork, case: Case, at: datetime, policy: PausePolicy) -> Commitment:
    """The clock of the longest pause the profile allows, counted from the first pause of this follow-up round.

    Resuming and pausing again does not start the allowance afresh (else a case could be paused for good,
    ten days at a time, and the PK-ESC ladder never run): a second pause in the round is due when the
    first one's allowance ends, at once if that has passed. A department's answer starts a new round.
    """
    earlier = (
        Commitment.objects.filter(case=case, purpose=Purpose.PAUSE_LIMIT, sequence=case.follow_up_round)
        .order_by("started_at", "pk")
        .first()
    )
    if earlier is not None:
        commitment = Commitment(
            jurisdiction_id=case.jurisdiction_id,
            case=case,
            purpose=Purpose.PAUSE_LIMIT,
            standard=PAUSE_LIMIT_RULE,
            sequence=case.follow_up_round,
            started_at=earlier.started_at,
            due_at=max(earlier.due_at, at.astimezone(UTC)),
            calendar_version=earlier.calendar_version,
            explanation={
                "lines": [
                    f"{PAUSE_LIMIT_RULE}: paused again in the same follow-up round; the longest pause counts "
                    f"from the round's first pause, {earlier.started_at.isoformat()}"
                ],
                "skipped": [],
            },
        )
        work.add_commitment(commitment)
        return commitment
    profile = profile_for(case.jurisdiction)
    due = standards.explain_clock(profile.calendar, policy.longest, at, standard=PAUSE_LIMIT_RULE)
    commitment = Commitment(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        purpose=Purpose.PAUSE_LIMIT,
        standard=PAUSE_LIMIT_RULE,
        sequence=case.follow_up_round,
        started_at=due.started_at.astimezone(UTC),
        due_at=due.due_at.astimezone(UTC),
        calendar_version=due.calendar_version,
        explanation={"lines": due.explain(), "skipped": [s.as_dict() for s in due.skipped]},
    )
    work.add_commitment(commitment)
    return commitment


def is_agreed(commitment: Commitment) -> bool:
    """Whether the date was agreed (a timeline, an agreed follow-up date, a ladder step), not computed by a standard.

    Rows written before agreed dates were marked have their start at their due date.
    """
    explanation = commitment.explanation if isinstance(commitment.explanation, dict) else {}
    return bool(explanation.get("agreed")) or commitment.started_at == commitment.due_at


def meet(*, work: UnitOfWork, case: Case, purposes: Iterable[Purpose], at: datetime) -> list[Commitment]:
    """Mark the open commitments of ``purposes`` met at ``at`` (late if already breached); return them."""
    met = work.open_commitments(case, purposes)
    for commitment in met:
        commitment.state = CommitmentState.MET
        commitment.met_at = at
        commitment.paused_at = None
        work.change_commitment(commitment, "state", "met_at", "paused_at")
    return met


def cancel(*, work: UnitOfWork, case: Case, purposes: Iterable[Purpose] | None = None) -> list[Commitment]:
    """End the open commitments of ``purposes`` (all of them by default) without meeting them; return them."""
    cancelled = work.open_commitments(case, purposes)
    for commitment in cancelled:
        commitment.state = CommitmentState.CANCELLED
        work.change_commitment(commitment, "state")
    return cancelled


def still_owed(*, work: UnitOfWork, case: Case) -> list[Commitment]:
    """Commitments that keep a case open (the read model's rule, PK-CLOSE), from the unit of work's view."""
    return standing.still_owed(work.open_commitments(case))


def pause(*, work: UnitOfWork, case: Case, at: datetime) -> list[Commitment]:
    """Pause the running clocks; the longest-pause clock is never paused: it measures the pause itself."""
    paused = [
        c
        for c in work.open_commitments(case)
        if c.state == CommitmentState.PENDING and c.purpose != Purpose.PAUSE_LIMIT
    ]
    for commitment in paused:
        commitment.state = CommitmentState.PAUSED
        commitment.paused_at = at
        work.change_commitment(commitment, "state", "paused_at")
    return paused


def resume(*, work: UnitOfWork, case: Case, at: datetime) -> list[Commitment]:
    """Resume paused clocks.

    A standard's clock is recomputed by the engine over its pauses: paused business time does not count. An
    agreed date (the timeline, an agreed follow-up date, a ladder step) and the PK-MISS notice before the
    timeline keep their dates: the resident was told them, and only a timeline change, with its reason, moves
    them (PK-MISS). One that passed during the pause falls due at once.
    """
    profile = profile_for(case.jurisdiction)
    resumed = []
    for commitment in work.open_commitments(case):
        if commitment.state != CommitmentState.PAUSED or commitment.paused_at is None:
            continue
        commitment.pauses = [*commitment.pauses, [commitment.paused_at.isoformat(), at.isoformat()]]
        pauses = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in commitment.pauses]
        keeps_date = (
            is_agreed(commitment)
            or commitment.purpose == Purpose.TIMELINE_NOTICE
            or commitment.standard not in profile.standards
        )
        if not keeps_date:
            due = standards.due(profile, commitment.standard, commitment.started_at, pauses)
            commitment.due_at = due.due_at.astimezone(UTC)
            commitment.calendar_version = due.calendar_version
            commitment.explanation = {"lines": due.explain(), "skipped": [s.as_dict() for s in due.skipped]}
        commitment.state = CommitmentState.PENDING
        commitment.paused_at = None
        work.change_commitment(commitment, "pauses", "due_at", "calendar_version", "explanation", "state", "paused_at")
        resumed.append(commitment)
    return resumed


def recompute(
    *, work: UnitOfWork, commitments: Iterable[Commitment], profile: Profile
) -> list[tuple[Commitment, datetime]]:
    """Recompute these running clocks with ``profile``; return (commitment, old due) for each one that changed.

    Agreed dates (a department's timeline, an agreed follow-up date, ladder requests) are not the calendar's to
    move. A PK-MISS notice runs back from its anchor (the completion), which pauses do not touch.
    """
    changed = []
    for commitment in commitments:
        if commitment.standard not in profile.standards or is_agreed(commitment):
            continue
        pauses = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in commitment.pauses]
        if profile.standards[commitment.standard].clock.before:
            pauses = []
        due = standards.due(profile, commitment.standard, commitment.started_at, pauses)
        old, old_version = commitment.due_at, commitment.calendar_version
        if due.due_at == old and due.calendar_version == old_version:
            continue
        commitment.due_at = due.due_at.astimezone(UTC)
        commitment.calendar_version = due.calendar_version
        commitment.explanation = {"lines": due.explain(), "skipped": [s.as_dict() for s in due.skipped]}
        work.change_commitment(commitment, "due_at", "calendar_version", "explanation")
        changed.append((commitment, old))
    return changed


def refresh(case: Case) -> None:
    """Bring the case's clock summary (next due, overdue since, paused) in step with its stored commitments.

    Actions keep it in step themselves; this is for rows changed outside them (a data repair, a test).
    """
    with UnitOfWork.atomic() as work:
        work.lock_case(case)
