"""The sweep works in batches: a few statements per batch whatever its size, one bad case never holds up the rest."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.domain.cases import journal, sweep
from civicdesk.domain.cases.batch import Batch
from civicdesk.domain.cases.models import Action, Case, CommitmentState, FollowUpRequest, JournalEntry, Purpose
from civicdesk.domain.outbox.models import OutboxMessage
from civicdesk.platform.worker.jobs import refresh_query_statistics
from tests.cases.conftest import local, new_complaint

pytestmark = pytest.mark.django_db


def _statements_to_sweep(city, now, cases: int) -> int:
    now.set(local(2026, 11, 2, 10, 0))
    made = [new_complaint(city) for _ in range(cases)]
    now.set(local(2026, 11, 16, 10, 1))  # every case: acknowledgement missed and follow-up request 1 due
    with CaptureQueriesContext(connection) as queries:
        report = sweep.run_sweep()
    assert report.breaches == cases
    assert report.follow_up_requests == cases
    for case in made:
        assert not journal.verify(case)
    return len(queries.captured_queries)


def test_statements_do_not_grow_with_the_number_of_due_clocks(city, now) -> None:
    few = _statements_to_sweep(city, now, 2)
    many = _statements_to_sweep(city, now, 12)
    # One batch either way: the same statements, whether 4 or 24 clocks fell due.
    assert many == few, (few, many)


def test_one_failing_case_is_skipped_and_retried_while_the_others_are_swept(city, now, monkeypatch) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    good, bad = new_complaint(city), new_complaint(city)
    record_breach = sweep._record_breach

    def failing_for_bad(case, commitment, batch):
        if case.pk == bad.pk:
            raise RuntimeError("simulated failure for one case")
        record_breach(case, commitment, batch)

    monkeypatch.setattr(sweep, "_record_breach", failing_for_bad)
    now.set(local(2026, 11, 3, 16, 31))  # PK-ACK-1BD missed on both
    report = sweep.run_sweep()

    assert report.breaches == 1
    assert good.journal.filter(action=Action.COMMITMENT_BREACHED).count() == 1
    assert not bad.journal.filter(action=Action.COMMITMENT_BREACHED).exists()
    assert bad.commitments.get(purpose=Purpose.ACKNOWLEDGE).state == CommitmentState.PENDING  # nothing half-written
    assert not OutboxMessage.objects.filter(case=bad, kind="standard_missed").exists()

    monkeypatch.setattr(sweep, "_record_breach", record_breach)
    assert sweep.run_sweep().breaches == 1  # the next run records it
    assert bad.commitments.get(purpose=Purpose.ACKNOWLEDGE).state == CommitmentState.BREACHED
    for case in (good, bad):
        assert not journal.verify(case)


def test_a_batch_whose_writes_fail_is_retried_case_by_case(city, now, monkeypatch) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    cases = [new_complaint(city) for _ in range(3)]
    now.set(local(2026, 11, 16, 10, 1))
    # Another process already queued request 1's message for the first case: the batch must not write it twice.
    first = cases[0]
    OutboxMessage.objects.create(
        jurisdiction_id=first.jurisdiction_id,
        case=first,
        kind="follow_up_request",
        audience="staff",
        subject="queued earlier",
        body="",
        created_at=local(2026, 11, 16, 10, 0),
        release_at=local(2026, 11, 16, 10, 0),
        dedupe_key=f"follow-up:{first.pk}:1",
    )
    flush = Batch.flush
    calls = []

    def fail_first_flush(self, at):
        calls.append(len(self.cases))
        if len(calls) == 1:
            raise RuntimeError("simulated write failure")
        flush(self, at)

    monkeypatch.setattr(Batch, "flush", fail_first_flush)
    report = sweep.run_sweep()

    assert calls == [3, 1, 1, 1]  # the whole batch, then each case alone
    assert report.follow_up_requests == 3
    assert FollowUpRequest.objects.filter(case__in=cases, number=1).count() == 3
    assert OutboxMessage.objects.filter(dedupe_key=f"follow-up:{first.pk}:1").count() == 1
    for case in cases:
        case.refresh_from_db()
        assert case.follow_up_requests == 1
        assert case.next_due_at == local(2026, 11, 17, 16, 30)  # the clock summary follows the new request's clock
        assert not journal.verify(case)


def test_entries_written_in_a_batch_chain_on_to_the_case_journal(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    before = JournalEntry.objects.filter(case=case).order_by("-sequence").first()
    now.set(local(2026, 11, 19, 9, 0))  # acknowledgement missed, requests 1-3 due: several entries in one run
    sweep.run_sweep()
    entries = list(JournalEntry.objects.filter(case=case, sequence__gt=before.sequence).order_by("sequence"))
    assert entries[0].previous_hash == before.hash
    assert [e.action for e in entries].count(Action.FOLLOW_UP_REQUESTED) == 3
    assert not journal.verify(Case.objects.get(pk=case.pk))


def test_query_statistics_job_analyzes_the_tables(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    new_complaint(city)
    refresh_query_statistics()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'cases_commitment'")
        else:
            # Column statistics exist only once ANALYZE ran (and they are visible in this transaction).
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'cases_commitment'")
        assert cursor.fetchone()[0] >= 1
