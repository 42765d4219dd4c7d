"""The sweep works in batches: a few statements per batch whatever its size, one bad case never holds up the rest."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.domain.cases import actions, journal, sweep
from civicdesk.domain.cases.models import Action, Case, CommitmentState, FollowUpRequest, JournalEntry, Purpose
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.city.models import Jurisdiction
from civicdesk.domain.outbox.models import OutboxMessage
from civicdesk.platform.worker.jobs import refresh_query_statistics
from tests.cases.conftest import local, new_complaint
from tests.factories import JurisdictionFactory, ServiceFactory

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


def _case_in_another_city() -> Case:
    """A service request in a second city on the Pickering profile, from an identified resident."""
    elsewhere = JurisdictionFactory(profile="pickering")
    return actions.create_case(
        jurisdiction=elsewhere,
        actor=None,
        kind="service_request",
        channel="phone",
        service=ServiceFactory(jurisdiction=elsewhere, department__jurisdiction=elsewhere),
        description="A streetlight is out on Main St.",
        contact=actions.ContactDetails(name="Sam Resident", email="sam@example.org"),
    ).case


def test_one_failing_case_is_skipped_and_retried_while_the_others_are_swept(city, now, tmp_path) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    good, bad = new_complaint(city), _case_in_another_city()
    # The second city's profile file has gone missing: its case's step cannot read the business hours.
    Jurisdiction.objects.filter(pk=bad.jurisdiction_id).update(profile=str(tmp_path / "removed.toml"))
    now.set(local(2026, 11, 3, 16, 31))  # PK-ACK-1BD missed on both
    report = sweep.run_sweep()

    assert report.breaches == 1
    assert good.journal.filter(action=Action.COMMITMENT_BREACHED).count() == 1
    assert not bad.journal.filter(action=Action.COMMITMENT_BREACHED).exists()
    assert bad.commitments.get(purpose=Purpose.ACKNOWLEDGE).state == CommitmentState.PENDING  # nothing half-written
    assert not OutboxMessage.objects.filter(case=bad, kind="standard_missed").exists()

    Jurisdiction.objects.filter(pk=bad.jurisdiction_id).update(profile="pickering")  # the city fixes its profile
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
    flush = UnitOfWork.flush
    calls = []

    def fail_first_flush(self):
        calls.append(len(self.cases))
        if len(calls) == 1:
            raise RuntimeError("simulated write failure")
        flush(self)

    monkeypatch.setattr(UnitOfWork, "flush", fail_first_flush)
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


def test_a_case_whose_rows_cannot_be_written_waits_while_the_rest_of_its_batch_is_written(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    cases = [new_complaint(city) for _ in range(3)]
    bad = cases[1]
    # Request 1 is already on file although the case's count says none was sent (a half-restored backup):
    # writing request 1 again breaks the one-row-per-number rule, so the batch's writes fail.
    FollowUpRequest.objects.create(
        jurisdiction_id=bad.jurisdiction_id, case=bad, number=1, sent_at=local(2026, 11, 16, 9, 0)
    )
    now.set(local(2026, 11, 16, 10, 1))  # acknowledgement missed and follow-up request 1 due on every case
    report = sweep.run_sweep()

    assert report.follow_up_requests == 2
    assert report.breaches == 2
    for case in (cases[0], cases[2]):
        case.refresh_from_db()
        assert case.follow_up_requests == 1
        assert case.commitments.get(purpose=Purpose.ACKNOWLEDGE).state == CommitmentState.BREACHED
        assert not journal.verify(case)
    bad.refresh_from_db()
    assert bad.follow_up_requests == 0
    assert bad.commitments.get(purpose=Purpose.FOLLOW_UP, state=CommitmentState.PENDING)  # left for the next run
    assert bad.commitments.get(purpose=Purpose.ACKNOWLEDGE).state == CommitmentState.PENDING
    assert not journal.verify(bad)


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
