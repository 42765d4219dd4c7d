"""PK-ESC: follow-up requests on the follow-up date, the supervisor on the 3rd, the director on the 4th, then daily."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from civicdesk.domain.cases import references
from civicdesk.domain.cases.models import Action, Case, Commitment, CommitmentState, FollowUpRequest, Purpose
from civicdesk.domain.cases.sweep import run_sweep
from civicdesk.domain.outbox.models import MessageState, OutboxMessage
from tests.fixtures.city import new_complaint
from tests.fixtures.clock import local


def _requests(case: Case) -> list[FollowUpRequest]:
    return list(case.follow_up_request_log.order_by("number").prefetch_related("copied"))


@pytest.mark.django_db
def test_pk_esc_full_ladder_with_business_day_dates(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))  # routed Monday 2 November; follow-up date Monday 16 November 10:00
    case = new_complaint(city, service="TREE-PRUNE")

    schedule = [
        # (sweep at, request number, who is newly copied, next request due)
        (local(2026, 11, 16, 10, 1), 1, set(), local(2026, 11, 17, 16, 30)),
        (local(2026, 11, 17, 16, 31), 2, set(), local(2026, 11, 18, 16, 30)),
        (local(2026, 11, 18, 16, 31), 3, {"sup.forestry"}, local(2026, 11, 23, 16, 30)),  # marked for 3 business days
        (local(2026, 11, 23, 16, 31), 4, {"sup.forestry", "dir.operations"}, local(2026, 11, 24, 16, 30)),
        (local(2026, 11, 24, 16, 31), 5, {"sup.forestry", "dir.operations"}, local(2026, 11, 25, 16, 30)),  # daily
    ]
    for sweep_at, number, copied, next_due in schedule:
        now.set(sweep_at)
        report = run_sweep()
        assert report.follow_up_requests == 1, number
        request = _requests(case)[-1]
        assert request.number == number
        assert {u.username for u in request.copied.all()} == copied
        assert request.next_due_at == next_due
        pending = case.commitments.get(purpose=Purpose.FOLLOW_UP, state=CommitmentState.PENDING)
        assert pending.due_at == next_due

    case.refresh_from_db()
    assert case.follow_up_requests == 5
    escalations = list(case.journal.filter(action=Action.ESCALATED).order_by("sequence"))
    assert [e.data["number"] for e in escalations] == [3, 4]
    assert escalations[0].data["newly_copied"] == ["supervisor", "division_head"]
    assert escalations[1].data["newly_copied"] == ["director"]


@pytest.mark.django_db
def test_pk_esc_an_update_stops_the_ladder_and_the_next_round_climbs_it_again(city, now) -> None:
    from civicdesk.domain.cases import actions

    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    now.set(local(2026, 11, 16, 10, 1))
    run_sweep()
    now.set(local(2026, 11, 17, 9, 0))
    actions.record_update(
        case=case, actor=city.staff("staff.forestry"), update="inspected", note="Inspected; pruning booked"
    )
    now.set(local(2026, 11, 17, 16, 31))
    assert run_sweep().follow_up_requests == 0
    assert len(_requests(case)) == 1
    assert case.commitments.get(purpose=Purpose.FOLLOW_UP, state=CommitmentState.PENDING).due_at == local(
        2026, 12, 1, 9, 0
    )

    # Past the next follow-up date: round 2 climbs the ladder from its first step, numbers running on.
    schedule = [
        # (sweep at, number, step, who is copied, next request due): Tuesday 1 December is the follow-up date.
        (local(2026, 12, 1, 9, 1), 2, 1, set(), local(2026, 12, 2, 16, 30)),
        (local(2026, 12, 2, 16, 31), 3, 2, set(), local(2026, 12, 3, 16, 30)),
        (local(2026, 12, 3, 16, 31), 4, 3, {"sup.forestry"}, local(2026, 12, 8, 16, 30)),  # Fri, Mon, Tue
        (local(2026, 12, 8, 16, 31), 5, 4, {"sup.forestry", "dir.operations"}, local(2026, 12, 9, 16, 30)),
        (local(2026, 12, 9, 16, 31), 6, 5, {"sup.forestry", "dir.operations"}, local(2026, 12, 10, 16, 30)),
    ]
    for sweep_at, number, step, copied, next_due in schedule:
        now.set(sweep_at)
        report = run_sweep()
        assert report.follow_up_requests == 1, number
        request = _requests(case)[-1]
        assert (request.number, request.round, request.step) == (number, 2, step)
        assert {u.username for u in request.copied.all()} == copied
        assert request.next_due_at == next_due
        assert request.message  # the ladder's own text: the sweep writes nothing itself

    case.refresh_from_db()
    assert (case.follow_ups_sent, case.follow_up_round, case.follow_up_requests) == (6, 2, 5)
    # Every request reached the department and its copies: none taken for a retry of round 1's.
    sent = OutboxMessage.objects.filter(case=case, kind="follow_up_request").order_by("pk")
    assert [m.subject for m in sent] == [
        f"Follow-up request {n}: case {references.display(case.reference)}" for n in range(1, 7)
    ]
    director_copy = sent[4]
    assert {u.username for u in director_copy.cc_users.all()} == {"sup.forestry", "dir.operations"}
    escalations = list(case.journal.filter(action=Action.ESCALATED).order_by("sequence"))
    assert [(e.data["round"], e.data["step"]) for e in escalations] == [(2, 3), (2, 4)]


@pytest.mark.django_db
def test_pk_esc_a_new_timeline_and_a_reopening_each_start_a_new_round(city, now) -> None:
    from civicdesk.domain.cases import actions

    forestry, care = city.staff("staff.forestry"), city.care_admin
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    now.set(local(2026, 11, 18, 16, 31))
    run_sweep()  # requests 1, 2, 3: the supervisor is copied
    now.set(local(2026, 11, 19, 9, 0))
    actions.record_update(
        case=case, actor=forestry, update="action_planned", note="Pruning", timeline=local(2026, 12, 10, 16, 30)
    )
    now.set(local(2026, 12, 10, 16, 31))
    run_sweep()  # round 2 (the action plan ended round 1): request 4 on the agreed date, from the ladder's foot
    assert [(r.number, r.round, r.step) for r in _requests(case)][-1] == (4, 2, 1)
    now.set(local(2026, 12, 11, 9, 0))
    actions.change_timeline(case=case, actor=forestry, timeline=local(2026, 12, 17, 16, 30), reason="Crew away")
    now.set(local(2026, 12, 17, 16, 31))
    run_sweep()  # round 3 (the new timeline answered request 4): request 5 on the new timeline
    assert [(r.number, r.round, r.step) for r in _requests(case)][-1] == (5, 3, 1)
    actions.record_update(case=case, actor=forestry, update="work_done", note="Pruned")
    actions.record_update(case=case, actor=forestry, update="resident_advised", note="Pruned; resident told")
    actions.close_case(case=case, actor=care, note="Pruned")
    actions.reopen_case(case=case, actor=care, reason="The limb was left on the sidewalk")
    now.set(local(2027, 1, 5, 16, 31))
    run_sweep()
    # Reopened Thursday 17 December: follow-up Thursday 31 December, then 4 and 5 January (New Year's Day closed).
    numbers = [(r.number, r.round, r.step) for r in _requests(case)]
    assert numbers == [(1, 1, 1), (2, 1, 2), (3, 1, 3), (4, 2, 1), (5, 3, 1), (6, 4, 1), (7, 4, 2), (8, 4, 3)]


@pytest.mark.django_db
def test_pk_esc_a_note_is_not_an_answer_to_a_follow_up_request(city, now) -> None:
    from civicdesk.domain.cases import actions

    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    now.set(local(2026, 11, 16, 10, 1))
    run_sweep()
    actions.record_update(case=case, actor=city.forestry_staff, update="note", note="Will look next week")
    now.set(local(2026, 11, 17, 16, 31))
    assert run_sweep().follow_up_requests == 1  # ADM 160 asks for the inspection, the action, or the resident told
    assert [r.step for r in _requests(case)] == [1, 2]


@pytest.mark.django_db
def test_sweep_twice_records_each_step_once(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    now.set(local(2026, 11, 16, 10, 1))
    first, second = run_sweep(), run_sweep()
    assert first.follow_up_requests == 1
    assert second.steps == 0
    assert len(_requests(case)) == 1


@pytest.mark.django_db
def test_sweep_catches_up_after_downtime_in_order(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    now.set(local(2026, 11, 24, 17, 0))  # the worker was down for weeks
    report = run_sweep()

    assert report.follow_up_requests == 5
    requests = _requests(case)
    assert [r.number for r in requests] == [1, 2, 3, 4, 5]
    assert [r.sent_at for r in requests] == [
        local(2026, 11, 16, 10, 0),
        local(2026, 11, 17, 16, 30),
        local(2026, 11, 18, 16, 30),
        local(2026, 11, 23, 16, 30),
        local(2026, 11, 24, 16, 30),
    ]
    assert report.breaches == 1  # PK-ACK-1BD was missed too
    assert not OutboxMessage.objects.filter(kind="digest").exists()  # 17:00: held until the office opens

    now.set(local(2026, 11, 25, 8, 30))
    run_sweep()
    # Many notices for the same people at once: one digest, not a storm.
    digests = OutboxMessage.objects.filter(kind="digest")
    assert digests.count() == 1
    assert OutboxMessage.objects.filter(digest=digests.get()).count() == 6


@pytest.mark.django_db
def test_staff_messages_wait_for_business_hours(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    now.set(local(2026, 11, 3, 20, 0))  # PK-ACK-1BD missed; found at 8 p.m.
    run_sweep()
    missed = OutboxMessage.objects.get(case=case, kind="standard_missed")
    assert missed.release_at == local(2026, 11, 4, 8, 30)
    assert missed.state == MessageState.PENDING

    now.set(local(2026, 11, 4, 8, 30))
    run_sweep()
    missed.refresh_from_db()
    assert missed.state == MessageState.READY


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_never_escalate_twice(city, now) -> None:
    if connection.vendor == "sqlite":
        reason = "SQLite serialises writers; the race is real only on PostgreSQL (run by scripts/test)"
    else:
        reason = ""
    now.set(local(2026, 11, 2, 10, 0))
    cases = [new_complaint(city) for _ in range(12)]
    now.set(local(2026, 11, 19, 9, 0))  # requests 1-3 due for every case

    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def sweep() -> None:
        try:
            barrier.wait()
            run_sweep()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    for case in cases:
        assert [r.number for r in _requests(case)] == [1, 2, 3], reason
        assert case.journal.filter(action=Action.ESCALATED).count() == 1
    assert Commitment.objects.filter(purpose=Purpose.FOLLOW_UP, state=CommitmentState.PENDING).count() == 12
