"""The case journal: append-only, each entry hash-chained to the previous one of the same case.

``append`` adds an entry to the unit of work of the change it records; the
unit of work holds the case locked and knows the chain's end, so sequence
numbers never collide, the chain never forks, and a change that writes
several entries reads the chain's end once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.utils.translation import gettext, gettext_noop

from civicdesk.domain.cases.models import Action, Case, JournalEntry
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.staff.models import User

GENESIS = "0" * 64

# What intake writes on a new case; shown to residents in their language (see :func:`public_note`).
RECEIVED = gettext_noop("Received.")
RECORDED_NOT_INVESTIGATED = gettext_noop(
    "Recorded. Anonymous allegations are not investigated unless they are an immediate threat to safety (PK-ANON)."
)
# Notes the product writes itself (not staff's words): translated when a resident reads them.
PRODUCT_NOTES = frozenset(
    {
        RECEIVED,
        RECORDED_NOT_INVESTIGATED,
        gettext_noop("Feedback recorded; no response owed (PK-DEF)."),
        gettext_noop("Recorded, not investigated (PK-ANON)."),
    }
)


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
    work: UnitOfWork,
    case: Case,
    action: str,
    actor: User | None,
    actor_label: str | None = None,
    note: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
) -> JournalEntry:
    """Chain a new entry onto ``case``'s journal, dated at the unit of work's instant; written at its flush."""
    tail = work.journal_tail(case)
    sequence, previous_hash = (tail[0] + 1, tail[1]) if tail else (1, GENESIS)
    entry = JournalEntry(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        sequence=sequence,
        at=work.now.astimezone(UTC),
        actor=actor,
        actor_label=actor_label or actor_label_for(actor, "system"),
        action=action,
        note=note,
        public=public,
        data=json.loads(json.dumps(data or {}, default=str)),  # store exactly what will be read back
        previous_hash=previous_hash,
    )
    entry.hash = entry_hash(entry, case.reference)
    work.add_journal_entry(entry)
    return entry


def public_note(entry: JournalEntry) -> str:
    """The entry's note as a resident reads it, in the active language.

    The case's first entry is written out from what it records (received, or recorded and not investigated);
    another note the product wrote itself is translated; staff's own words are shown as they wrote them.
    """
    if entry.action == Action.CREATED:
        return gettext(RECEIVED if entry.data.get("investigate", True) else RECORDED_NOT_INVESTIGATED)
    if entry.note in PRODUCT_NOTES:
        return gettext(entry.note)
    return entry.note


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
