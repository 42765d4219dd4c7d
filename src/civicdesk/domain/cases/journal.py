"""The case journal: append-only, each entry hash-chained to the previous one of the same case.

``append`` must run inside the transaction of the change it records, with the
case row locked (every service function locks it first), so sequence numbers
never collide and the chain never forks. The locked case instance remembers
the last entry it appended (or that it is new and has none), so a transition
that writes several entries reads the chain's end once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from civicdesk.domain.cases.models import Case, JournalEntry
from civicdesk.domain.staff.models import User
from civicdesk.platform import timesource

if TYPE_CHECKING:
    from civicdesk.domain.cases.batch import Batch

GENESIS = "0" * 64


def _payload(entry: JournalEntry, reference: str) -> str:
    return json.dumps(
        {
            "case": reference,
            "sequence": entry.sequence,
            "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": entry.actor_id,
            "actor_label": entry.actor_label,
            "action": entry.action,
            "note": entry.note,
            "public": entry.public,
            "data": entry.data,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def entry_hash(entry: JournalEntry, reference: str) -> str:
    return hashlib.sha256((entry.previous_hash + _payload(entry, reference)).encode()).hexdigest()


def actor_label_for(actor: User | None, fallback: str) -> str:
    if actor is None:
        return fallback
    return actor.get_full_name() or actor.get_username()


def append(
    *,
    case: Case,
    action: str,
    actor: User | None,
    actor_label: str | None = None,
    note: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    batch: Batch | None = None,
) -> JournalEntry:
    """Chain a new entry onto ``case``'s journal; with a ``batch`` it is written when the batch is flushed."""
    sequence, previous_hash = _next_link(case)
    entry = JournalEntry(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        sequence=sequence,
        at=(at or timesource.now()).astimezone(UTC),
        actor=actor,
        actor_label=actor_label or actor_label_for(actor, "system"),
        action=action,
        note=note,
        public=public,
        data=json.loads(json.dumps(data or {}, default=str)),  # store exactly what will be read back
        previous_hash=previous_hash,
    )
    entry.hash = entry_hash(entry, case.reference)
    if batch is not None:
        batch.add_journal(entry)
    else:
        entry.save()
    remember_tail(case, entry.sequence, entry.hash)
    return entry


TAIL = "_journal_tail"  # on a locked (or just created) case instance: (last sequence, its hash)


def remember_tail(case: Case, sequence: int, digest: str) -> None:
    """``case`` (locked, or created in this transaction) ends at entry ``sequence`` with hash ``digest``."""
    case.__dict__[TAIL] = (sequence, digest)


def starts_empty(case: Case) -> None:
    """``case`` was created in this transaction: its first entry needs no look-up."""
    remember_tail(case, 0, GENESIS)


def _next_link(case: Case) -> tuple[int, str]:
    tail = case.__dict__.get(TAIL)
    if tail is None:
        last = JournalEntry.objects.filter(case=case).order_by("-sequence").values_list("sequence", "hash").first()
        tail = (last[0], last[1]) if last else (0, GENESIS)
    return tail[0] + 1, tail[1]


@dataclass(frozen=True)
class ChainProblem:
    reference: str
    sequence: int
    problem: str


def verify(case: Case) -> list[ChainProblem]:
    """Every way the stored journal of ``case`` differs from an untouched chain."""
    problems = []
    expected_previous, expected_sequence = GENESIS, 1
    for entry in JournalEntry.objects.filter(case=case).order_by("sequence"):
        if entry.sequence != expected_sequence:
            problems.append(ChainProblem(case.reference, entry.sequence, f"expected entry {expected_sequence}"))
        if entry.previous_hash != expected_previous:
            problems.append(ChainProblem(case.reference, entry.sequence, "does not follow the previous entry"))
        if entry_hash(entry, case.reference) != entry.hash:
            problems.append(ChainProblem(case.reference, entry.sequence, "content changed after it was written"))
        expected_previous, expected_sequence = entry.hash, entry.sequence + 1
    return problems
