"""What a case still owes, and the one date a resident is told (the portal's status page, Open311).

**The date told to a resident** is the due date of a clock the city is still
running toward on something it owes the resident (acknowledge, inspect a
hazard, answer, an interim reply, return the call, complete the work):

- the agreed completion, when one is running: it is the date the resident
  waits for (shown as the expected completion);
- otherwise the earliest of the others that is running;
- a **paused** clock has no date until it resumes: while the city waits on
  the resident, the time does not count and the date is not known;
- a **missed** standard (past its due time, whether or not the sweep has
  recorded the breach yet) is still owed — it keeps the case open and shows
  as breached on the desk — but its date has passed and is not told again:
  the city owes a new date (PK-MISS);
- nothing once the case is closed.

Follow-up and timeline-notice clocks are the city's own reminders (PK-FOLLOW,
PK-MISS), never a date told to the resident.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from django.db.models import Q

from civicdesk.domain.cases.models import OPEN_COMMITMENT_STATES, OWED_AFTER_BREACH, CommitmentState, Purpose

# What the city owes the resident directly. A missed one is still owed (closing waits for it, PK-CLOSE);
# a missed follow-up or timeline notice has done its work by starting the ladder or the notice.
# The clock summary's ``owed_since`` counts these and a pause held too long (models.OVERDUE_AFTER_BREACH).
OWED_TO_RESIDENT = OWED_AFTER_BREACH


class Clock(Protocol):
    """What these rules read of a commitment: a :class:`~civicdesk.domain.cases.models.Commitment` or a record."""

    @property
    def purpose(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def met_at(self) -> datetime | None: ...


C = TypeVar("C", bound=Clock)


def keeps_open(commitment: Clock) -> bool:
    """Still owed: pending or paused, or missed with the action not yet done (PK-CLOSE)."""
    if commitment.state in (CommitmentState.PENDING, CommitmentState.PAUSED):
        return True
    return (
        commitment.state == CommitmentState.BREACHED
        and commitment.purpose in OWED_TO_RESIDENT
        and commitment.met_at is None
    )


def still_owed(commitments: Iterable[C]) -> list[C]:
    """The commitments that keep a case open, in the order given."""
    return [c for c in commitments if keeps_open(c)]


# The rows a resident's view reads: narrowed in SQL, decided by :func:`keeps_open` and :func:`expected`.
RESIDENT_CLOCKS = Q(purpose__in=OWED_TO_RESIDENT, state__in=OPEN_COMMITMENT_STATES)


def owed_to_resident(commitments: Iterable[C]) -> list[C]:
    """What the city still owes the resident, by due date (Open311's ``service_notice`` lists these)."""
    owed = [c for c in still_owed(commitments) if c.purpose in OWED_TO_RESIDENT]
    return sorted(owed, key=lambda c: c.due_at)


@dataclass(frozen=True)
class Expected:
    """The date told to a resident, and whether it is the completion (else the next step)."""

    at: datetime | None
    is_completion: bool = False


def expected(commitments: Iterable[Clock], *, is_open: bool, now: datetime) -> Expected:
    """The date told to a resident at ``now``, by the rule in this module's docstring."""
    if not is_open:
        return Expected(None)
    running = sorted(
        (
            c
            for c in commitments
            if c.state == CommitmentState.PENDING and c.purpose in OWED_TO_RESIDENT and c.due_at >= now
        ),
        key=lambda c: c.due_at,
    )
    completion = next((c for c in running if c.purpose == Purpose.COMPLETE), None)
    if completion is not None:
        return Expected(completion.due_at, is_completion=True)
    return Expected(running[0].due_at if running else None)
