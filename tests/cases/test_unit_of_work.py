"""The unit of work's fast writes store exactly what the plain ORM stores, and a batch exactly what one case at a time does."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count, Min, Q

from civicdesk.domain.cases import actions, journal, sweep
from civicdesk.domain.cases.models import (
    OWED_AFTER_BREACH,
    Action,
    Case,
    Commitment,
    CommitmentState,
    FollowUpRequest,
    JournalEntry,
    Purpose,
)
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.outbox.models import Audience, OutboxMessage
from civicdesk.platform import timesource
from tests.cases.conftest import local, new_complaint

pytestmark = pytest.mark.django_db

COMMITMENT_FIELDS = [f.name for f in Commitment._meta.concrete_fields if f.name != "id"]


def _rows(cases: list[Case]) -> dict[str, list[Any]]:
    """Every row the actions write for ``cases``, without the keys new rows happen to get."""
    ids = [case.pk for case in cases]
    messages = OutboxMessage.objects.filter(case_id__in=ids).prefetch_related("cc_users")
    requests = FollowUpRequest.objects.filter(case_id__in=ids).prefetch_related("copied")
    return {
        "cases": list(
            Case.objects.filter(pk__in=ids)
            .order_by("pk")
            .values_list(
                "pk",
                "status",
                "resolution",
                "department",
                "assignee",
                "follow_up_requests",
                "public_note",
                "next_due_at",
                "owed_since",
                "clocks_paused",
                "updated_at",
            )
        ),
        "journal": list(
            JournalEntry.objects.filter(case_id__in=ids)
            .order_by("case_id", "sequence")
            .values_list(
                "case_id",
                "sequence",
                "at",
                "actor",
                "actor_label",
                "action",
                "note",
                "public",
                "data",
                "previous_hash",
                "hash",
            )
        ),
        "commitments": sorted(
            (tuple(row) for row in Commitment.objects.filter(case_id__in=ids).values_list(*COMMITMENT_FIELDS)),
            key=repr,
        ),
        "requests": sorted(
            (
                [
                    (r.case_id, r.number, r.sent_at, r.sent_by_id, r.copied_roles, r.next_due_at),
                    sorted(u.pk for u in r.copied.all()),
                ]
                for r in requests
            ),
            key=repr,
        ),
        "messages": sorted(
            (
                [
                    (
                        m.case_id,
                        m.kind,
                        m.rule,
                        m.audience,
                        m.recipient_user_id,
                        m.recipient_address,
                        m.subject,
                        m.body,
                    ),
                    (m.language, m.created_at, m.release_at, m.state, m.dedupe_key, m.digest_id is not None),
                    sorted(u.pk for u in m.cc_users.all()),
                ]
                for m in messages
            ),
            key=repr,
        ),
    }


def _swept(cases: list[Case], *, batch_size: int) -> dict[str, list[Any]]:
    """The rows after a sweep with ``batch_size`` clocks per unit of work, then undone for the next try."""
    with transaction.atomic():
        sweep.run_sweep(batch_size=batch_size)
        rows = _rows(cases)
        transaction.set_rollback(True)
    return rows


def test_a_sweep_in_one_batch_writes_the_rows_one_unit_of_work_per_clock_writes(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    ladder = new_complaint(city)  # acknowledgement missed, follow-up requests 1-3 (the supervisor copied on the 3rd)
    hazard = new_complaint(city, service="SIDEWALK")  # acknowledgement and inspection missed
    actions.record_update(
        case=hazard,
        actor=city.staff("staff.roads"),
        update="action_planned",
        note="Slab to be ground down",
        timeline=local(2026, 11, 25, 16, 30),  # its PK-MISS notice falls due on 18 November
    )
    assigned = new_complaint(city)
    actions.assign_case(case=assigned, actor=city.staff("sup.forestry"), assignee=city.staff("staff.forestry"))
    closed = new_complaint(city)
    actions.acknowledge_case(case=closed, actor=city.staff("csr.alex"), message="We will prune it this week.")
    actions.close_case(case=closed, actor=city.staff("staff.forestry"), note="Pruned.")
    # A clock left running on a closed case (restored from an old backup): the sweep only ends it.
    Commitment.objects.filter(case=closed, purpose=Purpose.ACKNOWLEDGE).update(state=CommitmentState.PENDING)
    cases = [ladder, hazard, assigned, closed]
    now.set(local(2026, 11, 19, 9, 0))

    batched = _swept(cases, batch_size=200)
    one_at_a_time = _swept(cases, batch_size=1)

    assert batched == one_at_a_time
    actions_written = [row[5] for row in batched["journal"]]
    for step in (Action.COMMITMENT_BREACHED, Action.FOLLOW_UP_REQUESTED, Action.ESCALATED, Action.TIMELINE_NOTICE_DUE):
        assert step in actions_written, step
    assert any(copied for *_, copied in batched["requests"]), "the ladder copied the supervisor"
    assert any(copies for *_, copies in batched["messages"]), "and so did the request's message"


def _rows_to_write(case: Case) -> tuple[JournalEntry, OutboxMessage, FollowUpRequest, Commitment]:
    """The same new rows for ``case`` each time: a journal entry, a copied message, a request, a missed timeline."""
    now = timesource.now()
    tail = JournalEntry.objects.filter(case=case).order_by("-sequence").first()
    assert tail is not None
    entry = JournalEntry(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        sequence=tail.sequence + 1,
        at=now,
        actor=None,
        actor_label="Customer Care (automatic)",
        action=Action.NOTE,
        note="Called the resident back.",
        data={"minutes": 4, "language": "fr"},
        previous_hash=tail.hash,
    )
    entry.hash = journal.entry_hash(entry, case.reference)
    message = OutboxMessage(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        kind="standard_missed",
        rule="PK-UPDATE",
        audience=Audience.STAFF,
        recipient_address="forestry@pickering.example",
        subject="Overdue",
        body="The timeline was missed.",
        created_at=now,
        release_at=now + timedelta(hours=1),
        dedupe_key=f"test:{case.pk}",
    )
    request = FollowUpRequest(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        number=1,
        sent_at=now,
        copied_roles=["supervisor"],
        next_due_at=now + timedelta(days=1),
    )
    missed = Commitment(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        purpose=Purpose.COMPLETE,
        standard="PK-UPDATE",
        started_at=now - timedelta(days=3),
        due_at=now - timedelta(days=2),
        state=CommitmentState.BREACHED,
        breached_at=now - timedelta(days=2),
        calendar_version="2026.1",
        explanation={"lines": ["PK-UPDATE: the department's agreed timeline"]},
    )
    return entry, message, request, missed


def test_a_flush_writes_what_saving_each_row_with_the_orm_writes(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    supervisor = city.staff("sup.forestry")

    with transaction.atomic():
        with UnitOfWork.atomic() as work:
            locked = work.lock_case(case)
            entry, message, request, missed = _rows_to_write(locked)
            work.add_journal_entry(entry)
            work.queue_message(message, copies=[supervisor])
            work.add_follow_up_request(request, copied=[supervisor])
            work.add_commitment(missed)
            acknowledge = work.open_commitments(locked, [Purpose.ACKNOWLEDGE])[0]
            acknowledge.state, acknowledge.met_at = CommitmentState.MET, timesource.now()
            work.change_commitment(acknowledge, "state", "met_at")
            locked.public_note = "Acknowledged by phone."
            work.touch(locked, "public_note")
        flushed = _rows([case])
        transaction.set_rollback(True)

    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        entry, message, request, missed = _rows_to_write(locked)
        entry.save()
        message.save()
        message.cc_users.set([supervisor])
        request.save()
        request.copied.set([supervisor])
        missed.save()
        acknowledge = locked.commitments.get(purpose=Purpose.ACKNOWLEDGE)
        acknowledge.state, acknowledge.met_at = CommitmentState.MET, timesource.now()
        acknowledge.save(update_fields=["state", "met_at"])
        summary = Commitment.objects.filter(case=locked).aggregate(
            next_due_at=Min("due_at", filter=Q(state=CommitmentState.PENDING)),
            owed_since=Min(
                "due_at",
                filter=Q(state=CommitmentState.BREACHED, met_at__isnull=True, purpose__in=OWED_AFTER_BREACH),
            ),
            paused=Count("pk", filter=Q(state=CommitmentState.PAUSED)),
        )
        locked.public_note = "Acknowledged by phone."
        locked.updated_at = timesource.now()
        locked.next_due_at, locked.owed_since = summary["next_due_at"], summary["owed_since"]
        locked.clocks_paused = bool(summary["paused"])
        locked.save(update_fields=["public_note", "updated_at", "next_due_at", "owed_since", "clocks_paused"])
        saved = _rows([case])
        transaction.set_rollback(True)

    assert flushed == saved
    assert saved["cases"][0][-4] == local(2026, 11, 16, 10, 0)  # next due: the follow-up, once acknowledged
    assert saved["cases"][0][-3] == local(2026, 11, 2, 10, 0).astimezone(UTC) - timedelta(days=2)  # the missed timeline
