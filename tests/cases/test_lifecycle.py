"""Department updates, timelines, pauses, closing and reopening (PK-UPDATE, PK-HAZARD, PK-MISS, PK-CLOSE, PK-COUNCIL, PK-OMB)."""

from __future__ import annotations

import pytest

from civicdesk.domain.cases import actions
from civicdesk.domain.cases.errors import InvalidInput, NotAllowed, TransitionRefused
from civicdesk.domain.cases.models import Action, CommitmentState, Purpose, Resolution, Status
from civicdesk.domain.cases.sweep import run_sweep
from civicdesk.domain.outbox.models import Audience, OutboxMessage
from tests.fixtures.city import new_complaint
from tests.fixtures.clock import local

pytestmark = pytest.mark.django_db


def test_pk_hazard_inspection_owed_within_one_business_day_and_met_by_the_inspection(city, now) -> None:
    now.set(local(2026, 11, 6, 15, 0))  # Friday afternoon
    case = new_complaint(city, service="SIDEWALK")
    inspect = case.commitments.get(purpose=Purpose.INSPECT)
    assert inspect.standard == "PK-HAZARD"
    assert inspect.due_at == local(2026, 11, 9, 16, 30)  # Monday close

    now.set(local(2026, 11, 9, 11, 0))
    actions.record_update(
        case=case, actor=city.staff("staff.roads"), update="inspected", note="Slab raised 4 cm; marked with paint"
    )
    inspect.refresh_from_db()
    assert inspect.state == CommitmentState.MET
    assert inspect.met_at == local(2026, 11, 9, 11, 0)


def test_non_hazard_service_owes_no_inspection_unless_flagged(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    assert not new_complaint(city, service="TREE-PRUNE").commitments.filter(purpose=Purpose.INSPECT).exists()
    flagged = new_complaint(city, service="TREE-PRUNE", hazard=True)
    assert flagged.commitments.filter(purpose=Purpose.INSPECT, standard="PK-HAZARD").exists()


def test_pk_update_action_plan_sets_completion_and_pk_miss_notice_a_week_before(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    actions.record_update(
        case=case,
        actor=city.staff("staff.forestry"),
        update="action_planned",
        note="Crew booked to prune the limb",
        timeline=local(2026, 12, 10, 16, 30),
    )
    complete = case.commitments.get(purpose=Purpose.COMPLETE, state=CommitmentState.PENDING)
    notice = case.commitments.get(purpose=Purpose.TIMELINE_NOTICE)
    assert complete.due_at == local(2026, 12, 10, 16, 30)
    assert notice.standard == "PK-MISS"
    assert notice.due_at == local(2026, 12, 3, 16, 30)
    # The update answered Customer Care's follow-up; the next follow-up is on the agreed date.
    follow_ups = case.commitments.filter(purpose=Purpose.FOLLOW_UP)
    assert follow_ups.get(state=CommitmentState.MET).standard == "PK-FOLLOW"
    assert follow_ups.get(state=CommitmentState.PENDING).due_at == local(2026, 12, 10, 16, 30)


def test_pk_miss_sweep_raises_tell_the_resident_task_a_week_before_completion(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    actions.record_update(
        case=case,
        actor=city.staff("staff.forestry"),
        update="action_planned",
        note="Booked",
        timeline=local(2026, 12, 10, 16, 30),
    )

    now.set(local(2026, 12, 3, 16, 0))
    run_sweep()
    assert not case.journal.filter(action=Action.TIMELINE_NOTICE_DUE).exists()

    now.set(local(2026, 12, 3, 16, 31))
    run_sweep()
    entry = case.journal.get(action=Action.TIMELINE_NOTICE_DUE)
    assert entry.data["standard"] == "PK-MISS"
    task = OutboxMessage.objects.get(case=case, kind="timeline_notice")
    assert task.audience == Audience.STAFF
    assert "tell the resident" in task.subject


def test_pk_miss_timeline_change_needs_reason_tells_resident_and_keeps_old_date(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    forestry = city.staff("staff.forestry")
    actions.record_update(
        case=case, actor=forestry, update="action_planned", note="Booked", timeline=local(2026, 12, 10, 16, 30)
    )

    with pytest.raises(InvalidInput) as no_reason:
        actions.change_timeline(case=case, actor=forestry, timeline=local(2027, 1, 14, 16, 30), reason=" ")
    assert no_reason.value.rule == "PK-MISS"

    actions.change_timeline(
        case=case, actor=forestry, timeline=local(2027, 1, 14, 16, 30), reason="The bucket truck is in for repair."
    )
    entry = case.journal.get(action=Action.TIMELINE_CHANGED)
    assert "2026-12-10" in entry.data["from"][0]
    assert entry.public
    assert case.commitments.get(purpose=Purpose.COMPLETE, state=CommitmentState.PENDING).due_at == local(
        2027, 1, 14, 16, 30
    )
    assert case.commitments.get(purpose=Purpose.COMPLETE, state=CommitmentState.CANCELLED).due_at == local(
        2026, 12, 10, 16, 30
    )
    told = OutboxMessage.objects.get(case=case, kind="timeline_changed")
    assert told.recipient_address == "pat@example.org"
    assert "bucket truck" in told.body


def test_pause_over_a_weekend_moves_the_due_date_by_business_time_only(city, now) -> None:
    now.set(local(2026, 11, 5, 10, 0))  # Thursday; PK-ACK-1BD due Friday 16:30
    case = new_complaint(city)
    ack = case.commitments.get(purpose=Purpose.ACKNOWLEDGE)
    assert ack.due_at == local(2026, 11, 6, 16, 30)

    now.set(local(2026, 11, 6, 16, 0))  # paused with 30 open minutes left, over the weekend
    actions.pause_clocks(
        case=case, actor=city.staff("staff.forestry"), waiting_on="resident", reason="Waiting for the resident's photos"
    )
    now.set(local(2026, 11, 9, 10, 0))  # resumed Monday 10:00 (1 h 30 of Monday's open time already gone)
    actions.resume_clocks(case=case, actor=city.staff("staff.forestry"))

    ack.refresh_from_db()
    assert ack.state == CommitmentState.PENDING
    assert ack.due_at > local(2026, 11, 6, 16, 30)
    assert ack.due_at < local(2026, 11, 10, 16, 31)  # the weekend was not counted as paused business time twice


def test_pk_close_refused_while_items_or_commitments_are_open_with_the_list(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    forestry = city.staff("staff.forestry")
    item = actions.add_item(case=case, actor=forestry, description="Prune the dead limb")

    with pytest.raises(TransitionRefused) as refused:
        actions.close_case(case=case, actor=forestry, note="Done")
    assert refused.value.rule == "PK-CLOSE"
    assert [i["description"] for i in refused.value.details["items"]] == ["Prune the dead limb"]
    assert {c["standard"] for c in refused.value.details["commitments"]} == {"PK-ACK-1BD"}
    case.refresh_from_db()
    assert case.status == Status.OPEN

    actions.acknowledge_case(case=case, actor=city.staff("csr.alex"), message="We will inspect within 2 weeks.")
    actions.complete_item(item=item, actor=forestry)
    actions.close_case(case=case, actor=forestry, note="Limb pruned on 3 November.")
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.resolution == Resolution.RESOLVED
    assert not case.commitments.filter(state__in=[CommitmentState.PENDING, CommitmentState.PAUSED]).exists()


def test_pk_omb_every_complaint_closure_carries_the_ombudsman_information(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    city.jurisdiction.ombudsman_information = "Ontario Ombudsman: 1-800-263-1830, ombudsman.on.ca"
    city.jurisdiction.save()
    case = new_complaint(city)
    actions.acknowledge_case(case=case, actor=city.staff("csr.alex"), message="Received; inspection within 2 weeks.")
    actions.close_case(case=case, actor=city.staff("staff.forestry"), note="Pruned.")

    closed = case.journal.get(action=Action.CLOSED)
    assert "Ontario Ombudsman" in closed.data["ombudsman"]
    letter = OutboxMessage.objects.get(case=case, kind="closed")
    assert "Ontario Ombudsman" in letter.body


def test_pk_council_case_is_closed_only_by_customer_care(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city, council_involved=True)
    actions.acknowledge_case(case=case, actor=city.staff("csr.alex"), message="Received.")

    for username in ("staff.forestry", "sup.forestry", "dir.operations", "csr.alex"):
        with pytest.raises(TransitionRefused) as refused:
            actions.close_case(case=case, actor=city.staff(username), note="Done")
        assert refused.value.rule == "PK-COUNCIL", username
    actions.close_case(case=case, actor=city.staff("care.admin"), note="Done; Councillor informed.")
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_reopen_needs_a_reason_and_restarts_the_follow_up(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    actions.acknowledge_case(case=case, actor=city.staff("csr.alex"), message="Received.")
    actions.close_case(case=case, actor=city.staff("staff.forestry"), note="Pruned.")
    with pytest.raises(InvalidInput):
        actions.reopen_case(case=case, actor=city.staff("csr.alex"), reason="")
    now.set(local(2026, 11, 4, 10, 0))
    actions.reopen_case(case=case, actor=city.staff("csr.alex"), reason="Resident says another limb is hanging.")
    case.refresh_from_db()
    assert case.status == Status.OPEN
    assert case.commitments.get(purpose=Purpose.FOLLOW_UP, state=CommitmentState.PENDING).due_at == local(
        2026, 11, 18, 10, 0
    )


def test_closed_case_refuses_transitions(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    actions.acknowledge_case(case=case, actor=city.staff("csr.alex"), message="Received.")
    actions.close_case(case=case, actor=city.staff("staff.forestry"), note="Pruned.")
    with pytest.raises(TransitionRefused) as refused:
        actions.record_update(case=case, actor=city.staff("staff.forestry"), update="note", note="late note")
    assert refused.value.code == "case_closed"


def test_department_staff_cannot_touch_another_departments_case(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)  # forestry
    with pytest.raises(NotAllowed):
        actions.record_update(case=case, actor=city.staff("staff.roads"), update="note", note="not mine")
    assert case.journal.count() == 2


def test_reroute_needs_a_reason_and_clears_an_assignee_of_the_old_department(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    actions.assign_case(case=case, actor=city.staff("sup.forestry"), assignee=city.staff("staff.forestry"))
    roads = city.service("POTHOLE").department
    with pytest.raises(InvalidInput) as error:
        actions.route_case(case=case, actor=city.staff("csr.alex"), department=roads)
    assert error.value.field == "reason"
    actions.route_case(
        case=case, actor=city.staff("csr.alex"), department=roads, reason="It is a road hazard, not a tree"
    )
    case.refresh_from_db()
    assert case.department == roads
    assert case.assignee is None
    assert case.journal.filter(action=Action.ROUTED).count() == 2


def test_duplicate_is_linked_to_its_parent_and_closed(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    parent = new_complaint(city)
    duplicate = new_complaint(city)
    actions.link_duplicate(case=duplicate, actor=city.staff("csr.alex"), parent=parent)
    duplicate.refresh_from_db()
    assert duplicate.parent == parent
    assert duplicate.resolution == Resolution.DUPLICATE
    assert parent.journal.filter(action=Action.LINKED_DUPLICATE).exists()
    assert not duplicate.commitments.filter(state=CommitmentState.PENDING).exists()


def test_pk_close_the_work_done_meets_the_agreed_timeline_even_when_it_was_missed(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    forestry = city.staff("staff.forestry")
    actions.record_update(
        case=case, actor=forestry, update="action_planned", note="Booked", timeline=local(2026, 11, 20, 16, 30)
    )
    actions.record_update(case=case, actor=forestry, update="resident_advised", note="Pruned; resident told.")
    now.set(local(2026, 11, 23, 9, 0))
    run_sweep()  # the timeline was missed
    complete = case.commitments.get(purpose=Purpose.COMPLETE)
    assert complete.state == CommitmentState.BREACHED

    actions.record_update(case=case, actor=forestry, update="work_done", note="Pruned on 23 November.")
    actions.close_case(case=case, actor=forestry, note="Pruned on 23 November.")
    complete.refresh_from_db()
    assert complete.state == CommitmentState.MET
    assert complete.met_at == local(2026, 11, 23, 9, 0)


def test_linking_to_a_parent_outside_the_actors_scope_is_refused(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    forestry_case = new_complaint(city)
    roads_case = new_complaint(city, service="POTHOLE")
    with pytest.raises(NotAllowed):
        actions.link_duplicate(case=forestry_case, actor=city.staff("staff.forestry"), parent=roads_case)


def test_recomputing_after_a_calendar_change_moves_running_clocks_and_journals_it(city, now, tmp_path) -> None:
    from django.core.management import call_command

    from civicdesk.domain.cases import clocks
    from civicdesk.domain.city import profiles

    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    ack = case.commitments.get(purpose=Purpose.ACKNOWLEDGE)
    assert ack.due_at == local(2026, 11, 3, 16, 30)

    # The city closes City Hall on Tuesday 3 November (a new calendar version).
    shipped = clocks.profile_for(city.jurisdiction).path
    assert shipped is not None
    text = shipped.read_text().replace('version = "2026.1"', 'version = "2026.2"')
    text += '\n[[calendar.closures]]\nname = "Water main repair at City Hall"\ndate = 2026-11-03\n'
    changed = tmp_path / "pickering.toml"
    changed.write_text(text)
    city.jurisdiction.profile = str(changed)
    city.jurisdiction.save()
    profiles.profile_named.cache_clear()

    call_command("recompute_due_dates", "pickering")
    ack.refresh_from_db()
    assert ack.due_at == local(2026, 11, 4, 16, 30)
    assert ack.calendar_version == "2026.2"
    entry = case.journal.get(action=Action.RECOMPUTED)
    assert entry.data["moved"][0]["standard"] == "PK-ACK-1BD"
    assert "2026-11-03" in entry.data["moved"][0]["from"]


def _summary_in_step(case) -> None:
    from civicdesk.domain.cases.models import Case

    stored = Case.objects.get(pk=case.pk)
    # The longest-pause clock runs while the others are paused: never a next due date, overdue once missed.
    pending = [
        c.due_at for c in stored.commitments.filter(state=CommitmentState.PENDING).exclude(purpose=Purpose.PAUSE_LIMIT)
    ]
    owed = [
        c.due_at
        for c in stored.commitments.filter(state=CommitmentState.BREACHED, met_at__isnull=True)
        if c.purpose
        in ("acknowledge", "inspect", "respond", "interim", "callback", "complete", "follow_up", "pause_limit")
    ]
    assert stored.next_due_at == (min(pending) if pending else None)
    assert stored.owed_since == (min(owed) if owed else None)
    assert stored.clocks_paused == stored.commitments.filter(state=CommitmentState.PAUSED).exists()


def test_the_case_clock_summary_follows_every_transition_and_sweep(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city, service="SIDEWALK")
    _summary_in_step(case)
    assert case.next_due_at == local(2026, 11, 3, 16, 30)
    forestry = city.staff("staff.roads")
    now.set(local(2026, 11, 4, 9, 0))
    run_sweep()  # acknowledgement and inspection missed
    _summary_in_step(case)
    case.refresh_from_db()
    assert case.owed_since == local(2026, 11, 3, 16, 30)
    actions.record_update(case=case, actor=forestry, update="inspected", note="Marked")
    _summary_in_step(case)
    actions.pause_clocks(case=case, actor=forestry, waiting_on="resident", reason="Waiting for photos")
    _summary_in_step(case)
    actions.resume_clocks(case=case, actor=forestry)
    _summary_in_step(case)
    actions.record_update(case=case, actor=forestry, update="resident_advised", note="Told")
    _summary_in_step(case)
    case.refresh_from_db()
    assert case.owed_since is None
    actions.close_case(case=case, actor=forestry, note="Slab ground down")
    _summary_in_step(case)
    case.refresh_from_db()
    assert case.next_due_at is None
