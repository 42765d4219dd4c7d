"""Conditions as data: a standard with a condition is owed only where it holds (SA-AFTER, SA-RING, PK-HAZARD,
PK-MAIL-INTERIM), and a profile naming any other condition is refused at load."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from civicdesk.domain.cases import actions
from civicdesk.domain.cases.errors import TransitionRefused
from civicdesk.domain.cases.models import CommitmentState, Purpose, Status
from civicdesk.domain.cases.sweep import run_sweep
from civicdesk.engines.standards import ProfileError, load_profile, parse_profile, shipped_profiles
from tests.fixtures.city import RESIDENT, City, city_under, new_complaint
from tests.fixtures.clock import local

pytestmark = pytest.mark.django_db

SANTA_ANA = ZoneInfo("America/Los_Angeles")


def santa_ana(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SANTA_ANA)


def _call(city: City, *, channel: str = "phone") -> actions.Intake:
    return actions.create_case(
        jurisdiction=city.jurisdiction,
        actor=city.csr,
        kind="inquiry",
        channel=channel,
        description="When is bulky-item pick-up on my street?",
        contact=actions.ContactDetails(**RESIDENT),
    )


def test_sa_after_a_call_answered_live_in_business_hours_owes_no_next_morning_callback(city, now) -> None:
    santa = city_under(city, "santa-ana")
    # Tuesday 17 November 2026, 10:00 in Santa Ana: City Hall is open 08:00-17:00 (not a 9/80 Friday).
    now.set(santa_ana(2026, 11, 17, 10, 0))
    case = _call(santa).case
    assert not case.commitments.filter(standard="SA-AFTER").exists()

    # The next day past noon, when an after-hours callback would have fallen due: nothing is missed.
    now.set(santa_ana(2026, 11, 18, 13, 0))
    report = run_sweep()
    assert report.breaches == 0
    actions.close_case(case=case, actor=santa.csr, note="Told the caller: Thursdays.")
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_sa_after_a_call_after_hours_is_addressed_the_next_morning_the_office_opens(city, now) -> None:
    santa = city_under(city, "santa-ana")
    # Tuesday 19:00, after the 17:00 close: the answering service takes it.
    now.set(santa_ana(2026, 11, 17, 19, 0))
    case = _call(santa, channel="voicemail").case
    callback = case.commitments.get(standard="SA-AFTER")
    assert callback.purpose == Purpose.CALLBACK
    # The clock starts at the next opening, Wednesday 08:00; four open hours later is 12:00.
    assert callback.due_at == santa_ana(2026, 11, 18, 12, 0)


def test_sa_after_a_call_on_a_closed_9_80_friday_waits_for_monday_morning(city, now) -> None:
    santa = city_under(city, "santa-ana")
    # Friday 20 November 2026 10:00 is a 9/80 closed Friday: 2017-01-13 + 257 fortnights (3,598 days) = 2026-11-20.
    now.set(santa_ana(2026, 11, 20, 10, 0))
    callback = _call(santa).case.commitments.get(standard="SA-AFTER")
    # Closed Friday, weekend; Monday 23 opens 08:00, four open hours: 12:00.
    assert callback.due_at == santa_ana(2026, 11, 23, 12, 0)


def _letter(city: City) -> actions.Intake:
    return actions.create_case(
        jurisdiction=city.jurisdiction,
        actor=city.csr,
        kind="service_request",
        channel="letter",
        service=city.service("TREE-PLANT"),
        description="Please plant a tree in front of 40 Oak St.",
        contact=actions.ContactDetails(**RESIDENT),
    )


def test_pk_mail_interim_not_owed_on_a_letter_answered_within_fifteen_business_days(city, now) -> None:
    now.set(local(2026, 11, 17, 10, 0))  # a Tuesday: day 0 of the business-day clocks
    case = _letter(city).case
    owed = {c.standard for c in case.commitments.all()}
    assert "PK-MAIL-INTERIM" not in owed
    assert "PK-MAIL-ANSWER" in owed

    # The day after an interim reply would have been due (5 business days: Nov 18, 19, 20, 23, 24 → 24th 16:30).
    now.set(local(2026, 11, 25, 9, 0))
    run_sweep()
    assert not case.commitments.filter(state=CommitmentState.BREACHED).exclude(purpose=Purpose.ACKNOWLEDGE).exists()

    actions.record_update(case=case, actor=city.staff("staff.forestry"), update="resident_advised", note="Planted")
    actions.close_case(case=case, actor=city.csr, note="Tree planted; resident told.")
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_pk_mail_interim_owed_from_receipt_once_staff_expect_the_answer_late(city, now) -> None:
    now.set(local(2026, 11, 17, 10, 0))
    case = _letter(city).case
    answer = case.commitments.get(standard="PK-MAIL-ANSWER")
    # 15 business days from Tue 17 Nov: 18,19,20 (3), 23-27 (8), 30, 1,2,3,4 (13), 7, 8 (15) → Tue 8 Dec 16:30.
    assert answer.due_at == local(2026, 12, 8, 16, 30)

    now.set(local(2026, 11, 19, 11, 0))
    with pytest.raises(TransitionRefused) as refused:
        actions.expect_late_answer(
            case=case, actor=city.csr, expected_by=local(2026, 12, 4, 16, 30), reason="Needs a site visit"
        )
    assert refused.value.rule == "PK-MAIL-INTERIM"
    assert "2026-12-08 16:30" in str(refused.value)

    actions.expect_late_answer(
        case=case, actor=city.csr, expected_by=local(2026, 12, 18, 16, 30), reason="Planting list set in December"
    )
    interim = case.commitments.get(standard="PK-MAIL-INTERIM")
    assert interim.purpose == Purpose.INTERIM
    # Counted from receipt, not from the day staff said so: 5 business days after Tue 17 Nov is Tue 24 Nov.
    assert interim.due_at == local(2026, 11, 24, 16, 30)
    with pytest.raises(TransitionRefused):
        actions.expect_late_answer(case=case, actor=city.csr, expected_by=local(2026, 12, 21), reason="again")


def test_pk_mail_interim_set_through_the_staff_api(city, now, client) -> None:
    from civicdesk.channels.api.tokens import issue_token

    now.set(local(2026, 11, 17, 10, 0))
    case = _letter(city).case
    token = issue_token(user=city.csr)[1]
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/cases/{case.reference}/answer-expected"
    early = client.post(
        path,
        {"expected_by": "2026-12-01T16:30:00-05:00", "reason": "Site visit"},
        content_type="application/json",
        headers=headers,
    )
    assert early.status_code == 409, early.content
    assert early.json()["error"]["rule"] == "PK-MAIL-INTERIM"
    late = client.post(
        path,
        {"expected_by": "2026-12-18T16:30:00-05:00", "reason": "Planting list set in December"},
        content_type="application/json",
        headers=headers,
    )
    assert late.status_code == 200, late.content
    interim = [c for c in late.json()["commitments"] if c["standard"] == "PK-MAIL-INTERIM"]
    assert [c["due_at"] for c in interim] == ["2026-11-24T21:30:00+00:00"]


def test_pk_hazard_condition_an_immediate_threat_is_inspected_like_a_hazard(city, now) -> None:
    now.set(local(2026, 11, 17, 10, 0))
    threat = new_complaint(city, service="TREE-PRUNE", safety_threat=True)
    assert threat.commitments.get(purpose=Purpose.INSPECT).due_at == local(2026, 11, 18, 16, 30)


BROKEN = """\
[profile]
name = "testville"
title = "Town of Testville"
source = "Service charter"
languages = ["en"]

[calendar]
version = "1"
time_zone = "America/Toronto"

[calendar.hours]
monday = ["09:00-17:00"]

[[standards]]
id = "TV-CALLBACK"
purpose = "callback"
description = "Messages returned"
channels = ["voicemail"]
condition = "the message arrives after hours"
clock = "business_days"
target = 1
"""


def test_an_unknown_condition_is_refused_at_load_with_the_file_and_line() -> None:
    with pytest.raises(ProfileError) as refused:
        parse_profile(BROKEN, "testville.toml")
    message = str(refused.value)
    assert message.startswith("testville.toml:19:"), message
    assert "unknown condition 'the message arrives after hours'" in message
    assert "outside_business_hours" in message


def test_an_inspect_standard_without_a_hazard_condition_is_refused() -> None:
    text = BROKEN.replace('purpose = "callback"', 'purpose = "inspect"').replace(
        'condition = "the message arrives after hours"\n', ""
    )
    with pytest.raises(ProfileError, match='an inspect standard needs condition = "hazard"'):
        parse_profile(text, "testville.toml")


@pytest.mark.parametrize("name", shipped_profiles())
def test_every_shipped_profile_names_its_conditions_from_the_vocabulary(name: str) -> None:
    from civicdesk.engines.standards import CONDITIONS

    for standard in load_profile(name).standards.values():
        assert standard.condition is None or standard.condition in CONDITIONS, (name, standard.id)


def test_pk_mail_interim_recorded_on_the_desk(city, now) -> None:
    from django.test import Client
    from django.urls import reverse

    now.set(local(2026, 11, 17, 10, 0))
    letter = _letter(city).case
    phone = new_complaint(city)
    desk = Client()
    desk.force_login(city.csr)
    # Offered only where the profile owes an interim reply on late answers: letters, not calls.
    assert b'name="answer_late-expected_by"' in desk.get(reverse("desk:case", args=[letter.reference])).content
    assert b'name="answer_late-expected_by"' not in desk.get(reverse("desk:case", args=[phone.reference])).content

    url = reverse("desk:transition", args=[letter.reference, "answer_late"])
    early = desk.post(url, {"answer_late-expected_by": "2026-12-03", "answer_late-reason": "Site visit"})
    assert early.status_code == 409
    assert b"PK-MAIL-ANSWER" in early.content
    done = desk.post(url, {"answer_late-expected_by": "2026-12-18", "answer_late-reason": "Planting list in December"})
    assert done.status_code == 302
    assert letter.commitments.get(standard="PK-MAIL-INTERIM").due_at == local(2026, 11, 24, 16, 30)
    # Once owed, the form is no longer offered.
    assert b'name="answer_late-expected_by"' not in desk.get(reverse("desk:case", args=[letter.reference])).content
