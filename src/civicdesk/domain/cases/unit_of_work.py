"""The unit of work every case action writes through: one transaction, one case or a batch of them.

An action opens one around its own transaction and locks the case it changes
(immediate: the desk, both APIs, the portal); the sweep opens one per batch of
due clocks (batching). Either way the steps build their rows in memory —
journal entries, outbox messages, follow-up requests, commitment changes,
changed case fields — and :meth:`UnitOfWork.flush` writes each kind with one
statement when the block ends, so a batch of two hundred cases costs the same
handful of statements as one case.

Locking a case loads what the steps read back: its last journal entry (new
entries chain on without a query) and its open commitments (meeting or
superseding a clock needs no query). Each case's clock summary (next due,
overdue since, paused) is brought in step with those commitments at flush.
Cases are always locked in primary-key order, so two transactions never
deadlock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, OuterRef, Subquery

from civicdesk.domain.cases import search
from civicdesk.domain.cases.bulk import update_each
from civicdesk.domain.cases.models import (
    OPEN_COMMITMENT_STATES,
    OVERDUE_AFTER_BREACH,
    Case,
    Commitment,
    CommitmentState,
    FollowUpRequest,
    JournalEntry,
    Purpose,
    Status,
)
from civicdesk.domain.outbox.models import OutboxMessage
from civicdesk.domain.staff import absences
from civicdesk.domain.staff.models import Absence, User
from civicdesk.platform import timesource

# Read with every locked case: the people its notifications go to, without a query per case.
CASE_RELATIONS = (
    "jurisdiction",
    "assignee",
    "department__director",
    "service__division__supervisor",
    "paused_by",
)

# A change to one of these rewrites the case's search document (the journal's notes are added as they come).
SEARCHED_FIELDS = frozenset({"description", "address", "contact", "reference"})


class ClaimLost(RuntimeError):
    """A clock this unit of work claimed was no longer pending when written: the transaction is rolled back."""


class UnitOfWork:
    """What one transaction changes on the cases it holds, written together by :meth:`flush`."""

    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.cases: dict[int, Case] = {}
        self._tails: dict[int, tuple[int, str]] = {}
        self._open: dict[int, list[Commitment]] = {}
        self._claimed: dict[int, Commitment] = {}
        self._changed_commitments: dict[int, tuple[Commitment, set[str]]] = {}
        self._new_commitments: list[Commitment] = []
        self._journal: list[JournalEntry] = []
        self._messages: list[tuple[OutboxMessage, list[User]]] = []
        self._requests: list[tuple[FollowUpRequest, list[User]]] = []
        self._changed_cases: dict[int, set[str]] = {}
        self._begun: set[int] = set()
        self.memo: dict[Any, Any] = {}  # what steps read once per transaction, e.g. the city's message templates
        self._away: dict[int, Absence] | None = None

    @classmethod
    @contextmanager
    def atomic(cls, *, now: datetime | None = None) -> Iterator[UnitOfWork]:
        """A transaction whose collected rows are written when the block ends; an error rolls everything back."""
        with transaction.atomic():
            work = cls(now=now or timesource.now())
            yield work
            work.flush()

    def away(self) -> dict[int, Absence]:
        """PK-OOO: the staff away at :attr:`now`, by id, read once per unit of work (a batch costs one query)."""
        if self._away is None:
            self._away = absences.away_at(self.now)
        return self._away

    # --- the cases it holds ----------------------------------------------------------------------

    def lock(self, case_ids: Iterable[int], *, skip_locked: bool = False) -> list[Case]:
        """Lock these cases for the rest of the transaction, in primary-key order, and load their state.

        Returns the cases held, in primary-key order. Lock every case a change
        needs in one call: locks taken one call after another would not be in
        one order. With ``skip_locked`` (PostgreSQL) a case another transaction
        holds is left out instead of waited for; SQLite serialises writers anyway.
        """
        wanted = set(case_ids)
        ids = sorted(wanted - set(self.cases))
        cases = list(
            Case.objects.select_for_update(of=("self",), skip_locked=skip_locked)
            .select_related(*CASE_RELATIONS)
            .filter(pk__in=ids)
            .order_by("pk")
        )
        for case in cases:
            self.cases[case.pk] = case
            self._open[case.pk] = []
        held = [case.pk for case in cases]
        latest = JournalEntry.objects.filter(case_id=OuterRef("case_id")).order_by("-sequence").values("sequence")[:1]
        for case_id, sequence, digest in JournalEntry.objects.filter(
            case_id__in=held, sequence=Subquery(latest)
        ).values_list("case_id", "sequence", "hash"):
            self._tails[case_id] = (sequence, digest)
        # By case only: a state condition tempts SQLite's planner into the (state, due_at) index.
        for commitment in Commitment.objects.filter(case_id__in=held).order_by("due_at", "pk"):
            if commitment.state in OPEN_COMMITMENT_STATES:
                commitment.case = self.cases[commitment.case_id]
                self._open[commitment.case_id].append(commitment)
        return [self.cases[pk] for pk in sorted(wanted) if pk in self.cases]

    def lock_case(self, case: Case) -> Case:
        """``case`` re-read with its row locked; :class:`Case.DoesNotExist` if it is gone."""
        locked = self.lock([case.pk])
        if not locked:
            raise Case.DoesNotExist(f"case {case.pk} no longer exists")
        return locked[0]

    def begin_case(self, case: Case) -> None:
        """``case`` was inserted in this transaction: no journal entry and no commitment yet."""
        self.cases[case.pk] = case
        self._open[case.pk] = []
        self._begun.add(case.pk)

    def touch(self, case: Case, *field_names: str) -> None:
        """Record that ``field_names`` of ``case`` changed, and that the case was updated now."""
        case.updated_at = self.now
        self._changed_cases.setdefault(self._held(case), set()).update([*field_names, "updated_at"])

    def discard(self, case_id: int) -> None:
        """Forget ``case_id`` and every row built for it (its step failed; the next sweep retries it)."""
        self.cases.pop(case_id, None)
        self._open.pop(case_id, None)
        self._tails.pop(case_id, None)
        self._changed_cases.pop(case_id, None)
        self._begun.discard(case_id)
        for pk in [pk for pk, c in self._claimed.items() if c.case_id == case_id]:
            del self._claimed[pk]
        for pk in [pk for pk, (c, _) in self._changed_commitments.items() if c.case_id == case_id]:
            del self._changed_commitments[pk]
        self._new_commitments = [c for c in self._new_commitments if c.case_id != case_id]
        self._journal = [e for e in self._journal if e.case_id != case_id]
        self._messages = [(m, cc) for m, cc in self._messages if m.case_id != case_id]
        self._requests = [(r, cc) for r, cc in self._requests if r.case_id != case_id]

    def _held(self, case: Case) -> int:
        if case.pk not in self.cases:
            raise RuntimeError(f"case {case.pk} is not locked by this unit of work")
        return case.pk

    # --- the journal ------------------------------------------------------------------------------

    def journal_tail(self, case: Case) -> tuple[int, str] | None:
        """The last entry of ``case``'s journal, written or collected, as (sequence, hash); ``None`` before the first."""
        return self._tails.get(self._held(case))

    def add_journal_entry(self, entry: JournalEntry) -> None:
        self._journal.append(entry)
        self._tails[self._held(entry.case)] = (entry.sequence, entry.hash)

    # --- commitments ------------------------------------------------------------------------------

    def open_commitments(self, case: Case, purposes: Iterable[Purpose] | None = None) -> list[Commitment]:
        """``case``'s pending, paused and breached commitments (of ``purposes``), in due order."""
        wanted = None if purposes is None else set(purposes)
        found = [
            c
            for c in self._open[self._held(case)]
            if c.state in OPEN_COMMITMENT_STATES and (wanted is None or c.purpose in wanted)
        ]
        # New commitments have no pk yet; they sort after stored ones due at the same time, as they would in the table.
        return sorted(found, key=lambda c: (c.due_at, c.pk is None, c.pk or 0))

    def add_commitment(self, commitment: Commitment) -> None:
        self._open[self._held(commitment.case)].append(commitment)
        self._new_commitments.append(commitment)

    def added_commitments(self, case: Case) -> list[Commitment]:
        """The commitments this work added to ``case`` (the list stays the same objects when they are written)."""
        return [c for c in self._new_commitments if c.case is case]

    def change_commitment(self, commitment: Commitment, *field_names: str) -> None:
        """Record that ``field_names`` of a commitment changed (one added in this work is written whole)."""
        self._held(commitment.case)
        if commitment.pk is not None:
            self._changed_commitments.setdefault(commitment.pk, (commitment, set()))[1].update(field_names)

    def claim(self, commitment: Commitment) -> None:
        """The sweep takes this due clock: breached as of its due time, written as a compare-and-set at flush.

        If another transaction took it first, :meth:`flush` raises :class:`ClaimLost` and the transaction rolls back.
        """
        self._held(commitment.case)
        commitment.state = CommitmentState.BREACHED
        commitment.breached_at = commitment.due_at
        self._claimed[commitment.pk] = commitment

    # --- follow-up requests and the outbox --------------------------------------------------------

    def add_follow_up_request(self, request: FollowUpRequest, *, copied: Sequence[User]) -> None:
        self._held(request.case)
        self._requests.append((request, list(copied)))

    def queue_message(self, message: OutboxMessage, *, copies: Sequence[User] = ()) -> None:
        """Queue ``message``; at flush it is dropped if one with the same dedupe key is already queued."""
        if message.case is not None:
            self._held(message.case)
        self._messages.append((message, list(copies)))

    # --- writing ------------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write everything collected: a handful of statements, whatever the number of cases."""
        self._write_commitments()
        self._write_requests()
        if self._journal:
            JournalEntry.objects.bulk_create(self._journal)
        self._write_messages()
        self._write_cases()
        self._write_search()  # after the cases: an edited case's document is re-read as written
        self._claimed, self._changed_commitments, self._new_commitments = {}, {}, []
        self._journal, self._messages, self._requests, self._changed_cases = [], [], [], {}
        self._begun = set()

    def _write_commitments(self) -> None:
        if self._claimed:
            taken = Commitment.objects.filter(pk__in=list(self._claimed), state=CommitmentState.PENDING).update(
                state=CommitmentState.BREACHED, breached_at=F("due_at")
            )
            if taken != len(self._claimed):
                raise ClaimLost(f"{len(self._claimed) - taken} of {len(self._claimed)} claimed clocks were taken")
        by_fields: dict[tuple[str, ...], list[Commitment]] = defaultdict(list)
        for commitment, names in self._changed_commitments.values():
            by_fields[tuple(sorted(names))].append(commitment)
        for changed, commitments in by_fields.items():
            update_each(commitments, changed)
        if self._new_commitments:
            Commitment.objects.bulk_create(self._new_commitments)

    def _write_requests(self) -> None:
        if not self._requests:
            return
        created = FollowUpRequest.objects.bulk_create([request for request, _ in self._requests])
        through = FollowUpRequest.copied.through
        through.objects.bulk_create(
            [
                through(followuprequest_id=request.pk, user_id=user.pk)
                for request, (_, copied) in zip(created, self._requests, strict=True)
                for user in copied
            ]
        )

    def _write_messages(self) -> None:
        """Queue the outbox messages, skipping any a retried step already queued (same dedupe key)."""
        keys = [m.dedupe_key for m, _ in self._messages if m.dedupe_key]
        queued = set(OutboxMessage.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
        fresh: list[tuple[OutboxMessage, list[User]]] = []
        for message, copies in self._messages:
            if message.dedupe_key:
                if message.dedupe_key in queued:
                    continue
                queued.add(message.dedupe_key)
            fresh.append((message, copies))
        if not fresh:
            return
        created = OutboxMessage.objects.bulk_create([m for m, _ in fresh])
        through = OutboxMessage.cc_users.through
        through.objects.bulk_create(
            [
                through(outboxmessage_id=m.pk, user_id=u.pk)
                for m, (_, copies) in zip(created, fresh, strict=True)
                for u in copies
            ]
        )

    def _write_search(self) -> None:
        """Keep each case's search document in step: new cases indexed, new notes added, edited cases re-read."""
        notes: dict[int, list[str]] = defaultdict(list)
        for entry in self._journal:
            if entry.note:
                notes[entry.case_id].append(entry.note)
        search.write_new([self.cases[pk] for pk in sorted(self._begun)], notes)
        edited = {
            pk for pk, fields in self._changed_cases.items() if pk not in self._begun and fields & SEARCHED_FIELDS
        }
        search.append_notes({pk: texts for pk, texts in notes.items() if pk not in self._begun | edited})
        search.rebuild(edited)

    def _write_cases(self) -> None:
        """Write the changed cases, each clock summary brought in step with the case's open commitments.

        One statement for all of them: a field changed on one case is written
        on every changed case, with the value read under this transaction's
        lock where it did not change.
        """
        changed: list[Case] = []
        names: set[str] = set()
        for pk, case in self.cases.items():
            fields = set(self._changed_cases.get(pk, ()))
            summary = {**clock_summary(self._open[pk]), "safety_rank": safety_rank(case, self._open[pk])}
            for name, value in summary.items():
                if getattr(case, name) != value:
                    setattr(case, name, value)
                    fields.add(name)
            if fields:
                changed.append(case)
                names |= fields
        update_each(changed, sorted(names))


def safety_rank(case: Case, commitments: Iterable[Commitment]) -> int:
    """Safety first, as queues sort: 2 for an open immediate threat, 1 for an open hazard not yet inspected
    (PK-HAZARD), else 0."""
    if case.status != Status.OPEN:
        return 0
    if case.safety_threat:
        return 2
    return int(any(c.purpose == Purpose.INSPECT and c.state in OPEN_COMMITMENT_STATES for c in commitments))


def clock_summary(commitments: Iterable[Commitment]) -> dict[str, Any]:
    """A case's clock summary (what queues sort and count by): next due, earliest missed still owed, any paused.

    The longest-pause clock runs while the others are paused: it is not a next due date, only overdue once missed.
    """
    pending, owed, paused = [], [], False
    for c in commitments:
        if c.state == CommitmentState.PENDING and c.purpose != Purpose.PAUSE_LIMIT:
            pending.append(c.due_at)
        elif c.state == CommitmentState.BREACHED and c.met_at is None and c.purpose in OVERDUE_AFTER_BREACH:
            owed.append(c.due_at)
        elif c.state == CommitmentState.PAUSED:
            paused = True
    return {"next_due_at": min(pending, default=None), "owed_since": min(owed, default=None), "clocks_paused": paused}
