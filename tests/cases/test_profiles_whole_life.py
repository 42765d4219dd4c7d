"""Every shipped profile over a case's whole life: intake, route, follow-up, update, close (LW-FOLLOW, PB-AUTOREPLY,
MB-LETTER, SA-AFTER, and each city's calendar).

The demo city adopts each profile in turn (its calendar, zone and standards); the dates are worked out by hand
in the comments from the profile's hours, holidays and closures.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from civicdesk.domain.cases import actions
from civicdesk.domain.cases.models import Case, CommitmentState, FollowUpRequest, Purpose, Status
from civicdesk.domain.cases.sweep import run_sweep
from tests.fixtures.city import RESIDENT, City, city_under

pytestmark = pytest.mark.django_db

CENTRAL = ZoneInfo("America/Chicago")  # Lawrence
PACIFIC = ZoneInfo("America/Los_Angeles")  # Pittsburg, Santa Ana
EASTERN = ZoneInfo("America/New_York")  # Miami Beach


def at(zone: ZoneInfo, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=zone)


def _request(city: City, channel: str) -> Case:
    """A tree-pruning request taken by the CSR from the identified resident; it goes straight to Forestry."""
    return actions.create_case(
        jurisdiction=city.jurisdiction,
        actor=city.csr,
        kind="service_request",
        channel=channel,
        service=city.service("TREE-PRUNE"),
        description="The maple at 40 Oak St has a dead limb over the sidewalk.",
        contact=actions.ContactDetails(**RESIDENT),
    ).case


def _due(case: Case, standard: str) -> datetime:
    return case.commitments.get(standard=standard).due_at


def _finish(city: City, case: Case, *, timeline: datetime) -> None:
    """The department plans the work with its timeline (PK-UPDATE: the agreed completion)."""
    actions.record_update(
        case=case, actor=city.forestry_staff, update="action_planned", note="Crew booked", timeline=timeline
    )
    assert case.commitments.get(purpose=Purpose.COMPLETE, state=CommitmentState.PENDING).due_at == timeline


def _close(city: City, case: Case) -> None:
    """The department records the work done, and Customer Care closes the case with nothing left owed."""
    actions.record_update(case=case, actor=city.forestry_staff, update="work_done", note="Limb removed")
    actions.close_case(case=case, actor=city.csr, note="Pruned; resident told.")
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert not case.commitments.filter(state__in=["pending", "paused", "breached"]).exists()
    assert case.commitments.get(purpose=Purpose.COMPLETE).state == CommitmentState.MET


def test_lawrence_lw_follow_a_voicemail_request_over_its_whole_life(city, now) -> None:
    lawrence = city_under(city, "lawrence")  # Monday-Friday 08:00-17:00, Chicago time
    now.set(at(CENTRAL, 11, 12, 10))  # Thursday 12 November, 10:00
    case = _request(lawrence, "voicemail")
    assert case.department.code == "forestry"
    # LW-VM: 24 hours → Friday 13 November 10:00, a business day: no roll.
    assert _due(case, "LW-VM") == at(CENTRAL, 11, 13, 10)
    # LW-FOLLOW: 2 weeks after routing → Thursday 26 November 10:00, Thanksgiving; Friday 27 is the day after
    # Thanksgiving, then the weekend: rolled forward to Monday 30 November at closing, 17:00.
    assert _due(case, "LW-FOLLOW") == at(CENTRAL, 11, 30, 17)

    now.set(at(CENTRAL, 11, 13, 9, 15))
    actions.reply_to_resident(case=case, actor=lawrence.csr, how="call_returned", note="Crew will look at it")
    callback = case.commitments.get(standard="LW-VM")
    assert (callback.state, callback.met_at) == (CommitmentState.MET, at(CENTRAL, 11, 13, 9, 15))

    now.set(at(CENTRAL, 11, 30, 17, 5))
    run_sweep()
    (request,) = FollowUpRequest.objects.filter(case=case)
    # Dated when it fell due; Lawrence names no ladder: nobody is copied and no further request is scheduled.
    assert (request.number, request.sent_at, request.copied_roles, request.next_due_at) == (
        1,
        at(CENTRAL, 11, 30, 17),
        [],
        None,
    )

    now.set(at(CENTRAL, 12, 1, 9))
    _finish(lawrence, case, timeline=at(CENTRAL, 12, 11, 17))
    assert not case.commitments.filter(purpose=Purpose.TIMELINE_NOTICE).exists()  # Lawrence sets no notice
    # The update answered Customer Care; the next follow-up is on the agreed date, under LW-FOLLOW.
    follow_up = case.commitments.get(purpose=Purpose.FOLLOW_UP, state=CommitmentState.PENDING)
    assert (follow_up.standard, follow_up.due_at) == ("LW-FOLLOW", at(CENTRAL, 12, 11, 17))

    now.set(at(CENTRAL, 12, 10, 14))
    _close(lawrence, case)


def test_pittsburg_pb_autoreply_a_voicemail_returned_late_over_its_whole_life(city, now) -> None:
    pittsburg = city_under(city, "pittsburg")  # Monday-Friday 08:00-17:00, Pacific time
    now.set(at(PACIFIC, 11, 12, 10))  # Thursday 12 November, 10:00
    case = _request(pittsburg, "voicemail")
    # PB-VM: 1 business day; Thursday is day 0, Friday 13 is day 1 → Friday 17:00.
    assert _due(case, "PB-VM") == at(PACIFIC, 11, 13, 17)
    # PB-AUTOREPLY: 2 weeks → Thursday 26 November (Thanksgiving), Friday 27 (the day after), weekend →
    # Monday 30 November 17:00.
    assert _due(case, "PB-AUTOREPLY") == at(PACIFIC, 11, 30, 17)

    # Nobody returned the call by Friday's close: Monday's sweep records the miss, the call is still owed.
    now.set(at(PACIFIC, 11, 16, 8))
    run_sweep()
    callback = case.commitments.get(standard="PB-VM")
    assert (callback.state, callback.breached_at) == (CommitmentState.BREACHED, at(PACIFIC, 11, 13, 17))
    now.set(at(PACIFIC, 11, 16, 9))
    actions.reply_to_resident(case=case, actor=pittsburg.csr, how="call_returned", note="Sorry for the wait")
    callback.refresh_from_db()
    assert (callback.state, callback.met_at) == (CommitmentState.MET, at(PACIFIC, 11, 16, 9))

    now.set(at(PACIFIC, 11, 30, 17, 1))
    run_sweep()
    (request,) = FollowUpRequest.objects.filter(case=case)
    assert (request.number, request.sent_at, request.next_due_at) == (1, at(PACIFIC, 11, 30, 17), None)

    now.set(at(PACIFIC, 12, 1, 9))
    _finish(pittsburg, case, timeline=at(PACIFIC, 12, 11, 17))
    now.set(at(PACIFIC, 12, 10, 15))
    _close(pittsburg, case)


def test_miami_beach_mb_letter_answered_and_followed_up_by_hand(city, now) -> None:
    miami = city_under(city, "miami-beach")  # Monday-Friday 08:30-18:00, Eastern time
    now.set(at(EASTERN, 11, 12, 10))  # Thursday 12 November, 10:00
    case = _request(miami, "letter")
    # MB-LETTER: 10 business days, Thursday day 0: Fri 13 (1), Mon 16-Fri 20 (2-6), Mon 23-Wed 25 (7-9);
    # Thursday 26 Thanksgiving and Friday 27 closed; Monday 30 November (10) at closing, 18:00.
    assert _due(case, "MB-LETTER") == at(EASTERN, 11, 30, 18)
    # The standards set no follow-up date for a department: none is started.
    assert not case.commitments.filter(purpose=Purpose.FOLLOW_UP).exists()

    # Customer Care asks by hand, with its reason.
    now.set(at(EASTERN, 11, 20, 10))
    actions.request_follow_up(
        case=case, actor=miami.csr, message="Any news on the tree at 40 Oak St?", reason="The resident wrote again"
    )
    (request,) = FollowUpRequest.objects.filter(case=case)
    assert (request.sent_at, request.copied_roles) == (at(EASTERN, 11, 20, 10), [])

    now.set(at(EASTERN, 11, 23, 11))
    _finish(miami, case, timeline=at(EASTERN, 12, 4, 18))
    assert not case.commitments.filter(purpose=Purpose.FOLLOW_UP, state=CommitmentState.PENDING).exists()
    now.set(at(EASTERN, 11, 24, 15))
    actions.record_update(
        case=case, actor=miami.forestry_staff, update="resident_advised", note="Letter sent: pruning by 4 December"
    )
    answer = case.commitments.get(standard="MB-LETTER")
    assert (answer.state, answer.met_at) == (CommitmentState.MET, at(EASTERN, 11, 24, 15))
    now.set(at(EASTERN, 12, 3, 12))
    _close(miami, case)


def test_santa_ana_sa_after_an_after_hours_message_over_its_whole_life(city, now) -> None:
    santa = city_under(city, "santa-ana")  # Monday-Friday 08:00-17:00, every other Friday closed (9/80)
    now.set(at(PACIFIC, 11, 17, 19))  # Tuesday 17 November, 19:00: the answering service takes it
    case = _request(santa, "voicemail")
    # SA-AFTER: the clock starts at the next opening, Wednesday 08:00; four open hours → 12:00.
    assert _due(case, "SA-AFTER") == at(PACIFIC, 11, 18, 12)
    assert not case.commitments.filter(purpose=Purpose.FOLLOW_UP).exists()  # no follow-up date in the scope

    now.set(at(PACIFIC, 11, 18, 9, 10))
    actions.reply_to_resident(case=case, actor=santa.csr, how="call_returned", note="Forestry will prune it")
    assert case.commitments.get(standard="SA-AFTER").state == CommitmentState.MET

    # Friday 4 December is a 9/80 closed Friday (2026-11-20 + 14 days): the crew's date is Thursday 3rd.
    now.set(at(PACIFIC, 11, 23, 9))
    _finish(santa, case, timeline=at(PACIFIC, 12, 3, 17))
    now.set(at(PACIFIC, 12, 2, 10))
    actions.request_follow_up(case=case, actor=santa.csr, message="Still on for tomorrow?", reason="Crew check")
    assert FollowUpRequest.objects.filter(case=case).count() == 1
    now.set(at(PACIFIC, 12, 3, 16))
    _close(santa, case)
