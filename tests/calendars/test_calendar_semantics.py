"""The DESIGN.md "Business-time semantics" table, worked example by example, plus calendar building blocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from civicdesk.engines.calendars import (
    AnnualDate,
    AnnualRange,
    BusinessCalendar,
    CalendarError,
    CalendarSpec,
    CalendarSpecError,
    Closure,
    DateRange,
    DayKind,
    EveryNWeeks,
    FixedDate,
    HolidayRemoval,
    HolidaySource,
    MunicipalHoliday,
    NaiveDatetimeError,
    Period,
    WeeklyHours,
    parse_date_rule,
)
from civicdesk.engines.calendars.zones import resolve_wall, wall_clock
from tests.calendars.calendar_cases import pickering_like, split_shift_dst, toronto
from tests.fixtures.clock import TORONTO

CAL = pickering_like()


# --- business_days: the DESIGN.md examples (Pickering, open 08:30-16:30) ------------------------


def test_business_days_mon_10_plus_1_is_tue_1630() -> None:
    assert CAL.add_business_days(toronto(2026, 3, 2, 10, 0), 1) == toronto(2026, 3, 3, 16, 30)


def test_business_days_fri_20_plus_1_is_mon_1630() -> None:
    assert CAL.add_business_days(toronto(2026, 3, 6, 20, 0), 1) == toronto(2026, 3, 9, 16, 30)


def test_business_days_saturday_plus_1_is_mon_1630() -> None:
    assert CAL.add_business_days(toronto(2026, 3, 7, 11, 0), 1) == toronto(2026, 3, 9, 16, 30)


def test_business_days_fri_before_monday_holiday_is_tue_1630() -> None:
    # Victoria Day 2026 is Monday 18 May.
    assert CAL.add_business_days(toronto(2026, 5, 15, 10, 0), 1) == toronto(2026, 5, 19, 16, 30)


def test_business_days_receipt_date_is_day_zero_whatever_the_hour() -> None:
    early, late = toronto(2026, 3, 2, 0, 1), toronto(2026, 3, 2, 23, 59)
    assert CAL.add_business_days(early, 2) == CAL.add_business_days(late, 2) == toronto(2026, 3, 4, 16, 30)


def test_business_days_uses_the_jurisdiction_date_not_the_utc_date() -> None:
    # 02:00 UTC Tuesday is still Monday 21:00 in Toronto.
    start = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    assert CAL.add_business_days(start, 1) == toronto(2026, 3, 3, 16, 30)


def test_business_days_zero_rolls_back_like_numpy() -> None:
    assert CAL.add_business_days(toronto(2026, 3, 7, 11), 0) == toronto(2026, 3, 6, 16, 30)


def test_business_days_result_is_in_the_jurisdiction_zone() -> None:
    due = CAL.add_business_days(datetime(2026, 3, 2, 15, tzinfo=UTC), 1)
    assert due.tzinfo == TORONTO


# --- business_hours -----------------------------------------------------------------------


def test_four_business_hours_from_fri_1530_is_mon_1130() -> None:
    assert CAL.add_business_hours(toronto(2026, 3, 6, 15, 30), 4) == toronto(2026, 3, 9, 11, 30)


def test_business_hours_outside_hours_start_at_next_opening() -> None:
    assert CAL.add_business_hours(toronto(2026, 3, 7, 3, 0), 2) == toronto(2026, 3, 9, 10, 30)
    assert CAL.next_opening(toronto(2026, 3, 7, 3, 0)) == toronto(2026, 3, 9, 8, 30)


def test_business_hours_ending_exactly_at_closing_stays_at_closing() -> None:
    assert CAL.add_business_hours(toronto(2026, 3, 2, 8, 30), 8) == toronto(2026, 3, 2, 16, 30)


def test_business_hours_split_shift_skips_lunch() -> None:
    cal = split_shift_dst()
    assert cal.add_business_hours(toronto(2026, 3, 3, 11, 0), 2) == toronto(2026, 3, 3, 14, 0)


def test_business_time_between_counts_only_open_time() -> None:
    assert CAL.business_time_between(toronto(2026, 3, 6, 15, 30), toronto(2026, 3, 9, 11, 30)) == timedelta(hours=4)
    assert CAL.business_time_between(toronto(2026, 3, 9, 11, 30), toronto(2026, 3, 6, 15, 30)) == -timedelta(hours=4)


# --- calendar, seconds, rings ------------------------------------------------------------------


def test_three_rings_is_18_seconds() -> None:
    start = toronto(2026, 3, 2, 10)
    assert CAL.add_rings(start, 3) == start + timedelta(seconds=18)
    assert CAL.add_rings(start, 5) == start + timedelta(seconds=30)


def test_calendar_hours_are_elapsed_time_across_dst() -> None:
    # 24 real hours from Saturday noon before spring-forward lands at 13:00 EDT on Sunday.
    assert CAL.add_calendar(toronto(2026, 3, 7, 12), timedelta(hours=24)) == toronto(2026, 3, 8, 13)
    assert CAL.add_calendar(toronto(2026, 10, 31, 12), timedelta(hours=24)) == toronto(2026, 11, 1, 11)


def test_calendar_days_keep_the_wall_clock_across_dst() -> None:
    assert CAL.add_calendar(toronto(2026, 3, 2, 10), Period(days=14)) == toronto(2026, 3, 16, 10)
    assert CAL.add_calendar(toronto(2026, 10, 26, 10), Period(days=14)) == toronto(2026, 11, 9, 10)


def test_calendar_roll_forward_to_next_business_days_closing() -> None:
    # Two weeks after Saturday 2026-07-18 is Saturday 1 August; Monday 3 August is the Civic Holiday.
    assert CAL.add_calendar(toronto(2026, 7, 18, 10), Period(days=14), roll="forward") == toronto(2026, 8, 4, 16, 30)
    # On a business day the result stays as it is.
    assert CAL.add_calendar(toronto(2026, 7, 21, 10), Period(days=14), roll="forward") == toronto(2026, 8, 4, 10)


def test_calendar_roll_backward_to_previous_business_days_closing() -> None:
    assert CAL.add_calendar(toronto(2026, 8, 10, 10), Period(days=-7), roll="backward") == toronto(2026, 7, 31, 16, 30)


# --- days: holidays, additions, removals, closures ------------------------------------------------


def test_day_status_names_the_reason() -> None:
    assert CAL.day_status(date(2026, 3, 7)).kind is DayKind.WEEKEND
    assert CAL.day_status(date(2026, 3, 7)).name == "Saturday"
    civic = CAL.day_status(date(2026, 8, 3))
    assert (civic.kind, civic.name, civic.reason) == (DayKind.HOLIDAY, "Civic Holiday", "holiday: Civic Holiday")
    assert CAL.day_status(date(2026, 3, 2)).is_business_day


def test_observed_day_follows_the_kept_holiday() -> None:
    # Boxing Day 2026 is a Saturday; the package observes it on Monday 28 December.
    assert CAL.day_status(date(2026, 12, 28)).name == "Boxing Day (observed)"


def test_dropped_holiday_is_a_business_day() -> None:
    assert CAL.is_business_day(date(2026, 4, 6))  # Easter Monday is not kept


def test_municipal_addition_with_nth_weekday_rule() -> None:
    cal = pickering_like(
        holidays=HolidaySource("CA", "ON", keep=frozenset({"Canada Day"}), language="en_CA"),
        additions=(MunicipalHoliday("Civic Holiday", parse_date_rule("first monday of august")),),
    )
    assert [d.day for d in cal.holidays(2027)] == [date(2027, 7, 1), date(2027, 8, 2)]


def test_date_rules() -> None:
    assert parse_date_rule("last monday of may").dates_in(2026) == (date(2026, 5, 25),)
    assert parse_date_rule("day after fourth thursday of november").dates_in(2026) == (date(2026, 11, 27),)
    assert parse_date_rule("December 24").dates_in(2026) == (date(2026, 12, 24),)
    assert parse_date_rule("2 days before january 1").dates_in(2026) == (date(2026, 12, 30),)
    assert FixedDate(date(2026, 5, 1)).dates_in(2027) == ()
    with pytest.raises(CalendarSpecError, match="first monday of august"):
        parse_date_rule("the monday before victoria day")
    with pytest.raises(CalendarSpecError, match="no day 31"):
        parse_date_rule("february 31")


def test_removal_opens_a_statutory_day() -> None:
    cal = pickering_like(removals=(HolidayRemoval(date(2026, 12, 28), "Boxing Day"),))
    assert cal.is_business_day(date(2026, 12, 28))


def test_whole_day_closures_range_annual_and_every_two_weeks() -> None:
    cal = pickering_like(
        closures=(
            Closure("Christmas closure", DateRange(date(2026, 12, 29), date(2026, 12, 31))),
            Closure("Year end", AnnualRange(AnnualDate(12, 31), AnnualDate(1, 2))),
            Closure("9/80 Friday", EveryNWeeks(date(2026, 1, 2), 2)),
        )
    )
    assert cal.day_status(date(2026, 12, 30)).reason == "closure: Christmas closure"
    assert cal.day_status(date(2027, 1, 2)).kind is DayKind.WEEKEND  # Saturday stays a weekend
    assert cal.day_status(date(2028, 1, 2)).kind is DayKind.WEEKEND
    assert cal.day_status(date(2027, 12, 31)).reason == "closure: Year end"
    assert cal.day_status(date(2026, 1, 16)).reason == "closure: 9/80 Friday"
    assert cal.is_business_day(date(2026, 1, 9))


def test_part_day_closure_moves_the_closing_time() -> None:
    cal = pickering_like(closures=(Closure("Early close", FixedDate(date(2026, 12, 23)), closed_from=12 * 3600),))
    status = cal.day_status(date(2026, 12, 23))
    assert status.is_business_day
    assert status.part_closures == ("Early close",)
    assert cal.add_business_days(toronto(2026, 12, 22, 10), 1) == toronto(2026, 12, 23, 12, 0)
    assert not cal.is_open(toronto(2026, 12, 23, 13, 0))


def test_part_day_closure_covering_all_hours_closes_the_day() -> None:
    cal = pickering_like(closures=(Closure("Staff day", FixedDate(date(2026, 3, 4)), closed_from=8 * 3600),))
    assert cal.day_status(date(2026, 3, 4)).reason == "closure: Staff day"


def test_is_open_bounds() -> None:
    assert CAL.is_open(toronto(2026, 3, 2, 8, 30))
    assert not CAL.is_open(toronto(2026, 3, 2, 16, 30))
    assert not CAL.is_open(toronto(2026, 3, 7, 10))


# --- DST ----------------------------------------------------------------------------------


def test_night_shift_is_shorter_on_spring_forward_and_longer_on_fall_back() -> None:
    cal = split_shift_dst()  # Sunday 00:30-03:30
    spring = cal.day_status(date(2026, 3, 8)).openings[0]
    fall = cal.day_status(date(2026, 11, 1)).openings[0]
    assert spring[1] - spring[0] == timedelta(hours=3)  # same tzinfo: wall difference
    assert spring[1].astimezone(UTC) - spring[0].astimezone(UTC) == timedelta(hours=2)
    assert fall[1].astimezone(UTC) - fall[0].astimezone(UTC) == timedelta(hours=4)
    assert cal.business_time_between(toronto(2026, 3, 8, 0), toronto(2026, 3, 8, 6)) == timedelta(hours=2)
    assert cal.business_time_between(toronto(2026, 11, 1, 0), toronto(2026, 11, 1, 6)) == timedelta(hours=4)


def test_wall_times_in_the_gap_resolve_to_its_end_and_repeats_to_the_first_pass() -> None:
    gap = resolve_wall(datetime(2026, 3, 8, 2, 30), TORONTO)  # noqa: DTZ001 - a local wall time
    assert gap.astimezone(UTC) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    repeat = resolve_wall(datetime(2026, 11, 1, 1, 30), TORONTO)  # noqa: DTZ001 - a local wall time
    assert repeat.astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_second_pass_of_repeated_hour_counts_from_its_end() -> None:
    second_pass = datetime(2026, 11, 1, 6, 10, tzinfo=UTC)  # 01:10 EST, after 01:30 EDT
    assert wall_clock(second_pass, TORONTO) == datetime(2026, 11, 1, 2, 0)  # noqa: DTZ001 - a local wall time
    first_pass = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert CAL.add_calendar(first_pass, Period(days=1)) <= CAL.add_calendar(second_pass, Period(days=1))


# --- bad input -------------------------------------------------------------------------------


def test_naive_datetimes_are_rejected_with_a_typed_error() -> None:
    naive = datetime(2026, 3, 2, 10)  # noqa: DTZ001 - the point of the test
    for call in (
        lambda: CAL.add_business_days(naive, 1),
        lambda: CAL.add_business_hours(naive, 1),
        lambda: CAL.add_calendar(naive, timedelta(hours=1)),
        lambda: CAL.is_open(naive),
        lambda: CAL.next_opening(naive),
        lambda: CAL.add_business_days(toronto(2026, 3, 2), 1, pauses=[(naive, naive)]),
    ):
        with pytest.raises(NaiveDatetimeError, match="no time zone"):
            call()


def test_overlapping_hours_are_rejected() -> None:
    with pytest.raises(CalendarSpecError, match=r"hours\.monday: shifts 08:00-12:00 and 11:00-16:00 overlap"):
        WeeklyHours.parse({"monday": ["08:00-12:00", "11:00-16:00"]})


def test_bad_hours_are_rejected() -> None:
    with pytest.raises(CalendarSpecError, match="closes before it opens"):
        WeeklyHours.parse({"monday": ["17:00-08:00"]})
    with pytest.raises(CalendarSpecError, match="HH:MM"):
        WeeklyHours.parse({"monday": ["8h-17h"]})
    with pytest.raises(CalendarSpecError, match="unknown weekday"):
        WeeklyHours.parse({"funday": ["08:00-17:00"]})
    with pytest.raises(CalendarSpecError, match="at least one weekday"):
        WeeklyHours.parse({})


def test_unknown_holiday_region_is_rejected() -> None:
    with pytest.raises(CalendarSpecError, match=r"holidays\.subdivision"):
        pickering_like(holidays=HolidaySource("CA", "XX"))
    with pytest.raises(CalendarSpecError, match=r"holidays\.country"):
        pickering_like(holidays=HolidaySource("ZZ"))


def test_unknown_time_zone_is_rejected() -> None:
    with pytest.raises(CalendarSpecError, match="unknown time zone"):
        BusinessCalendar(
            CalendarSpec(version="1", time_zone="Mars/Olympus", hours=WeeklyHours.parse({"monday": ["08:00-09:00"]}))
        )


def test_negative_and_backwards_inputs_are_rejected() -> None:
    start = toronto(2026, 3, 2, 10)
    with pytest.raises(CalendarError):
        CAL.add_business_hours(start, -1)
    with pytest.raises(CalendarError):
        CAL.add_rings(start, -1)
    with pytest.raises(CalendarError, match="before it starts"):
        CAL.add_business_days(start, 1, pauses=[(toronto(2026, 3, 3), toronto(2026, 3, 2))])


def test_zero_business_hours_from_a_closing_stays_at_the_closing() -> None:
    """Found by the additivity property: 29 h then 0 h must equal 29 h when the first lands on a shift's end."""
    cal = split_shift_dst()
    start = datetime(2024, 2, 1, tzinfo=UTC)
    due = cal.add_business_hours(start, timedelta(minutes=1740))
    assert cal.add_business_hours(due, timedelta(0)) == due
    saturday = toronto(2024, 2, 3, 10, 0)
    assert cal.add_business_hours(saturday, timedelta(0)) == cal.next_opening(saturday)
