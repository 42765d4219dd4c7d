"""Many cases' changes written in a few statements: how the sweep keeps up with thousands of due clocks.

A service function writes each row as it goes. The sweep handles hundreds
of due clocks per transaction, so it hands the same functions a
:class:`Batch`: they build exactly the rows they would have written (journal
entries, outbox messages, follow-up requests, commitment changes) and the
batch writes each kind with one statement in :meth:`Batch.flush`, inside the
sweep's transaction and with every case it touches locked.

A batch is loaded for a set of locked cases: the last journal entry of each
(so new entries chain on without a query) and their open commitments (so
superseding or meeting a clock needs no query). If one case's step fails,
:meth:`Batch.discard` drops that case's rows and the rest are still written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, OuterRef, Subquery

from civicdesk.domain.cases.bulk import update_each
from civicdesk.domain.cases.journal import remember_tail, starts_empty
from civicdesk.domain.cases.models import (
    OPEN_COMMITMENT_STATES,
    Case,
    Commitment,
    CommitmentState,
    FollowUpRequest,
    JournalEntry,
)
from civicdesk.domain.outbox.models import OutboxMessage
from civicdesk.domain.staff.models import User


class ClaimLost(RuntimeError):
    """A clock this batch claimed was no longer pending when written: the batch is rolled back and retried."""


@dataclass
class Batch:
    cases: dict[int, Case]
    open_commitments: dict[int, list[Commitment]] = field(default_factory=lambda: defaultdict(list))
    claimed: dict[int, Commitment] = field(default_factory=dict)
    changed_commitments: dict[int, tuple[Commitment, set[str]]] = field(default_factory=dict)
    new_commitments: list[Commitment] = field(default_factory=list)
    journal: list[JournalEntry] = field(default_factory=list)
    messages: list[tuple[OutboxMessage, list[User]]] = field(default_factory=list)
    requests: list[tuple[FollowUpRequest, list[User]]] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, cases: Iterable[Case]) -> Batch:
        """A batch for ``cases`` (already locked): their journal tails and open commitments, in two queries."""
        batch = cls({case.pk: case for case in cases})
        ids = list(batch.cases)
        latest = JournalEntry.objects.filter(case_id=OuterRef("case_id")).order_by("-sequence").values("sequence")[:1]
        for case in batch.cases.values():
            starts_empty(case)
        for case_id, sequence, digest in JournalEntry.objects.filter(
            case_id__in=ids, sequence=Subquery(latest)
        ).values_list("case_id", "sequence", "hash"):
            remember_tail(batch.cases[case_id], sequence, digest)
        # By case only: a state condition tempts SQLite's planner into the (state, due_at) index.
        for commitment in Commitment.objects.filter(case_id__in=ids).order_by("due_at", "pk"):
            if commitment.state in OPEN_COMMITMENT_STATES:
                commitment.case = batch.cases[commitment.case_id]
                batch.open_commitments[commitment.case_id].append(commitment)
        return batch

    # --- what the service functions call instead of saving -------------------------------------

    def add_journal(self, entry: JournalEntry) -> None:
        self.journal.append(entry)

    def open_for(self, case: Case) -> list[Commitment]:
        return [c for c in self.open_commitments[case.pk] if c.state in OPEN_COMMITMENT_STATES]

    def claim(self, commitment: Commitment) -> None:
        """Record that the sweep takes this due clock; written as a compare-and-set in :meth:`flush`."""
        commitment.state = CommitmentState.BREACHED
        commitment.breached_at = commitment.due_at
        self.claimed[commitment.pk] = commitment

    def changed(self, commitment: Commitment, *field_names: str) -> None:
        """Record that ``field_names`` of a stored commitment changed (a new one is written whole)."""
        if commitment.pk is not None:
            self.changed_commitments.setdefault(commitment.pk, (commitment, set()))[1].update(field_names)

    def add_commitment(self, commitment: Commitment) -> None:
        self.new_commitments.append(commitment)
        self.open_commitments[commitment.case_id].append(commitment)

    def add_message(self, message: OutboxMessage, copies: list[User]) -> None:
        self.messages.append((message, copies))

    def add_request(self, request: FollowUpRequest, copied: list[User]) -> None:
        self.requests.append((request, copied))

    def touch(self, case: Case) -> None:
        self.touched.add(case.pk)

    def discard(self, case_id: int) -> None:
        """Forget every row built for ``case_id`` (its step failed; it is retried by the next sweep)."""
        self.cases.pop(case_id, None)
        self.open_commitments.pop(case_id, None)
        self.touched.discard(case_id)
        for pk in [pk for pk, c in self.claimed.items() if c.case_id == case_id]:
            del self.claimed[pk]
        for pk in [pk for pk, (c, _) in self.changed_commitments.items() if c.case_id == case_id]:
            del self.changed_commitments[pk]
        self.new_commitments = [c for c in self.new_commitments if c.case_id != case_id]
        self.journal = [e for e in self.journal if e.case_id != case_id]
        self.messages = [(m, cc) for m, cc in self.messages if m.case_id != case_id]
        self.requests = [(r, cc) for r, cc in self.requests if r.case_id != case_id]

    # --- writing --------------------------------------------------------------------------------

    def flush(self, now: datetime) -> None:
        """Write everything collected: a handful of statements, whatever the batch's size."""
        from civicdesk.domain.cases import clocks

        if self.claimed:
            taken = Commitment.objects.filter(pk__in=list(self.claimed), state=CommitmentState.PENDING).update(
                state=CommitmentState.BREACHED, breached_at=F("due_at")
            )
            if taken != len(self.claimed):
                raise ClaimLost(f"{len(self.claimed) - taken} of {len(self.claimed)} claimed clocks were taken")
        by_fields: dict[tuple[str, ...], list[Commitment]] = defaultdict(list)
        for commitment, names in self.changed_commitments.values():
            by_fields[tuple(sorted(names))].append(commitment)
        for changed_fields, commitments in by_fields.items():
            update_each(commitments, changed_fields)
        if self.new_commitments:
            Commitment.objects.bulk_create(self.new_commitments)
        if self.requests:
            requests = FollowUpRequest.objects.bulk_create([r for r, _ in self.requests])
            through = FollowUpRequest.copied.through
            through.objects.bulk_create(
                [
                    through(followuprequest_id=r.pk, user_id=u.pk)
                    for r, (_, copied) in zip(requests, self.requests, strict=True)
                    for u in copied
                ]
            )
        if self.journal:
            JournalEntry.objects.bulk_create(self.journal)
        self._write_messages()
        touched = [self.cases[pk] for pk in self.touched if pk in self.cases]
        for case in touched:
            case.updated_at = now
        update_each(touched, ["follow_up_requests", "updated_at"])
        clocks.refresh_many(list(self.cases.values()))

    def _write_messages(self) -> None:
        """Queue the outbox messages, skipping any a retried step already queued (same dedupe key)."""
        keys = [m.dedupe_key for m, _ in self.messages if m.dedupe_key]
        queued = set(OutboxMessage.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
        fresh: list[tuple[OutboxMessage, list[User]]] = []
        for message, copies in self.messages:
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
