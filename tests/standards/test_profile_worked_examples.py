"""Worked examples from the city documents, as named tests (issue 3)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from civicdesk.engines.calendars import NaiveDatetimeError
from civicdesk.engines.standards import StandardsError, due, escalation_schedule, load_profile, next_follow_up_request
from tests.fixtures.clock import TORONTO

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def reasons(result: object) -> list[tuple[date, str]]:
    return [(s.day, s.reason) for s in result.skipped]  # type: ignore[attr-defined]


def test_pk_ack_1bd_over_long_weekend() -> None:
    """PK-ACK-1BD: a complaint on the Friday before the Civic Holiday is acknowledged by Tuesday's close."""
    result = due(load_profile("pickering"), "PK-ACK-1BD", datetime(2026, 7, 31, 10, 0, tzinfo=TORONTO))
    assert result.due_at == datetime(2026, 8, 4, 16, 30, tzinfo=TORONTO)
    assert reasons(result) == [
        (date(2026, 8, 1), "weekend"),
        (date(2026, 8, 2), "weekend"),
        (date(2026, 8, 3), "holiday: Civic Holiday"),
    ]
    assert result.calendar_version == "2026.1"
    assert result.started_at == result.received_at  # business days: the receipt date is day 0


def test_pk_ack_1bd_saturday_receipt_over_victoria_day() -> None:
    result = due(load_profile("pickering"), "PK-ACK-1BD", datetime(2026, 5, 16, 9, 0, tzinfo=TORONTO))
    assert result.due_at == datetime(2026, 5, 19, 16, 30, tzinfo=TORONTO)
    assert result.received_outside_hours
    assert reasons(result) == [(date(2026, 5, 17), "weekend"), (date(2026, 5, 18), "holiday: Victoria Day")]


def test_mb_letter_over_thanksgiving() -> None:
    """MB-LETTER: 10 business days, skipping Thanksgiving and the Friday after (Commission holidays)."""
    result = due(load_profile("miami-beach"), "MB-LETTER", datetime(2026, 11, 23, 10, 0, tzinfo=NEW_YORK))
    assert result.due_at == datetime(2026, 12, 9, 18, 0, tzinfo=NEW_YORK)
    assert reasons(result) == [
        (date(2026, 11, 26), "holiday: Thanksgiving Day"),
        (date(2026, 11, 27), "holiday: Friday After Thanksgiving"),
        (date(2026, 11, 28), "weekend"),
        (date(2026, 11, 29), "weekend"),
        (date(2026, 12, 5), "weekend"),
        (date(2026, 12, 6), "weekend"),
    ]


def test_lw_vm_24_hours() -> None:
    """LW-VM: voicemail acknowledged within 24 hours; ending on a closed day rolls to the next business day's close."""
    lawrence = load_profile("lawrence")
    tuesday = due(lawrence, "LW-VM", datetime(2026, 3, 3, 10, 0, tzinfo=CHICAGO))
    assert tuesday.due_at == datetime(2026, 3, 4, 10, 0, tzinfo=CHICAGO)
    assert tuesday.skipped == ()
    # Wednesday before Thanksgiving: 24 hours is Thanksgiving; Friday is the city's day after; Monday 17:00.
    thanksgiving = due(lawrence, "LW-VM", datetime(2026, 11, 25, 16, 0, tzinfo=CHICAGO))
    assert thanksgiving.due_at == datetime(2026, 11, 30, 17, 0, tzinfo=CHICAGO)
    assert [r for _, r in reasons(thanksgiving)][:2] == ["holiday: Thanksgiving Day", "holiday: Day after Thanksgiving"]


def test_lw_hold_60_seconds_and_rings() -> None:
    start = datetime(2026, 3, 3, 10, 0, tzinfo=CHICAGO)
    assert (due(load_profile("lawrence"), "LW-HOLD", start).due_at - start).total_seconds() == 60
    assert (due(load_profile("lawrence"), "LW-RING", start).due_at - start).total_seconds() == 18
    assert (due(load_profile("santa-ana"), "SA-RING", start).due_at - start).total_seconds() == 30


def test_mb_wait_30_minutes() -> None:
    start = datetime(2026, 3, 3, 10, 0, tzinfo=NEW_YORK)
    assert due(load_profile("miami-beach"), "MB-WAIT", start).due_at == datetime(2026, 3, 3, 10, 30, tzinfo=NEW_YORK)


def test_pk_esc_ladder_dates() -> None:
    """PK-ESC: follow-up date two weeks after routing; 3rd request copies the supervisor, 3 business days later the director, then daily."""
    pickering = load_profile("pickering")
    routed = datetime(2026, 7, 20, 10, 0, tzinfo=TORONTO)
    follow_up = due(pickering, "PK-FOLLOW", routed)
    # 3 August is the Civic Holiday, so the two-week date rolls to Tuesday's close.
    assert follow_up.due_at == datetime(2026, 8, 4, 16, 30, tzinfo=TORONTO)
    ladder = escalation_schedule(pickering, follow_up.due_at, requests=6)
    assert [(r.number, r.due_at, r.copy) for r in ladder] == [
        (1, datetime(2026, 8, 4, 16, 30, tzinfo=TORONTO), ()),
        (2, datetime(2026, 8, 5, 16, 30, tzinfo=TORONTO), ()),
        (3, datetime(2026, 8, 6, 16, 30, tzinfo=TORONTO), ("supervisor", "division_head")),
        (4, datetime(2026, 8, 11, 16, 30, tzinfo=TORONTO), ("director",)),
        (5, datetime(2026, 8, 12, 16, 30, tzinfo=TORONTO), ()),
        (6, datetime(2026, 8, 13, 16, 30, tzinfo=TORONTO), ()),
    ]
    assert ladder[5].copied == ("supervisor", "division_head", "director")
    assert next_follow_up_request(pickering, 3, ladder[2].due_at) == ladder[3]


def test_pk_miss_notice_one_week_before_rolls_back() -> None:
    """PK-MISS: completion Monday 10 August; a week before is the Civic Holiday, so Friday 31 July's close."""
    result = due(load_profile("pickering"), "PK-MISS", datetime(2026, 8, 10, 12, 0, tzinfo=TORONTO))
    assert result.due_at == datetime(2026, 7, 31, 16, 30, tzinfo=TORONTO)
    assert reasons(result)[-1] == (date(2026, 8, 3), "holiday: Civic Holiday")


def test_sa_after_call_on_thursday_night_before_a_closed_friday() -> None:
    """SA-AFTER: a Thursday-night call before a 9/80 Friday and MLK Day is addressed Tuesday morning."""
    result = due(load_profile("santa-ana"), "SA-AFTER", datetime(2026, 1, 15, 20, 0, tzinfo=LOS_ANGELES))
    assert result.started_at == datetime(2026, 1, 20, 8, 0, tzinfo=LOS_ANGELES)
    assert result.due_at == datetime(2026, 1, 20, 12, 0, tzinfo=LOS_ANGELES)
    assert [r for _, r in reasons(result)] == [
        "closure: 9/80 closed Friday",
        "weekend",
        "weekend",
        "holiday: Birthday of Martin Luther King, Jr.; Martin Luther King Jr. Day",
    ]


def test_pause_is_explained_and_never_earlier() -> None:
    pickering = load_profile("pickering")
    start = datetime(2026, 7, 29, 10, 0, tzinfo=TORONTO)
    pause = (datetime(2026, 7, 30, 9, 0, tzinfo=TORONTO), datetime(2026, 8, 5, 12, 0, tzinfo=TORONTO))
    result = due(pickering, "PK-EMAIL-ACK", start, [pause])
    assert result.due_at == datetime(2026, 8, 6, 16, 30, tzinfo=TORONTO)
    assert [r for _, r in reasons(result)].count("clock paused") == 3


def test_threshold_standard_is_not_a_deadline() -> None:
    with pytest.raises(StandardsError, match="PK-OOO is a threshold"):
        due(load_profile("pickering"), "PK-OOO", datetime(2026, 3, 3, 10, tzinfo=TORONTO))


def test_naive_start_is_rejected() -> None:
    with pytest.raises(NaiveDatetimeError):
        due(load_profile("pickering"), "PK-ACK-1BD", datetime(2026, 3, 3, 10))  # noqa: DTZ001 - the point of the test
