"""Hypothesis properties of the clock kinds (issue 3, "Correctness must be proved").

Instants are compared in UTC: Python compares two datetimes sharing a
ZoneInfo on their wall clocks, which is wrong inside a repeated DST hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from civicdesk.engines.calendars import BusinessCalendar, Period
from tests.calendars.calendar_cases import instants, pickering_like, split_shift_dst

CALENDARS = {"pickering": pickering_like(), "split-dst": split_shift_dst()}
calendars = st.sampled_from(sorted(CALENDARS)).map(CALENDARS.__getitem__)
offsets = st.integers(min_value=0, max_value=40)
hours = st.integers(min_value=0, max_value=60 * 40).map(lambda m: timedelta(minutes=m))
fast = settings(max_examples=300, deadline=None)


def utc(d: datetime) -> datetime:
    return d.astimezone(UTC)


def is_closing_time(cal: BusinessCalendar, instant: datetime) -> bool:
    status = cal.day_status(instant.astimezone(cal.tz).date())
    return status.is_business_day and status.closes is not None and utc(status.closes) == utc(instant)


def in_open_time(cal: BusinessCalendar, instant: datetime) -> bool:
    """Inside an opening, or exactly at the end of one."""
    status = cal.day_status(instant.astimezone(cal.tz).date())
    return any(utc(a) <= utc(instant) <= utc(b) for a, b in status.openings)


@st.composite
def pause_lists(draw: st.DrawFn, start: datetime) -> list[tuple[datetime, datetime]]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        a = start + timedelta(minutes=draw(st.integers(-600, 60 * 24 * 20)))
        out.append((a, a + timedelta(minutes=draw(st.integers(0, 60 * 24 * 6)))))
    return out


# --- business_days ---------------------------------------------------------------------------


@fast
@given(cal=calendars, start=instants, n=offsets)
def test_business_days_due_exactly_at_a_business_days_closing(cal: BusinessCalendar, start: datetime, n: int) -> None:
    due = cal.add_business_days(start, n)
    assert is_closing_time(cal, due)
    if n >= 1:
        assert utc(due) > utc(start)


@fast
@given(cal=calendars, start=instants, n=offsets, m=offsets)
def test_business_days_n_then_m_equals_n_plus_m(cal: BusinessCalendar, start: datetime, n: int, m: int) -> None:
    assert utc(cal.add_business_days(cal.add_business_days(start, n), m)) == utc(cal.add_business_days(start, n + m))


@fast
@given(cal=calendars, a=instants, b=instants, n=offsets, m=offsets)
def test_business_days_monotonic_in_start_and_n(
    cal: BusinessCalendar, a: datetime, b: datetime, n: int, m: int
) -> None:
    a, b = sorted((a, b))
    n, m = sorted((n, m))
    assert utc(cal.add_business_days(a, n)) <= utc(cal.add_business_days(b, n))
    assert utc(cal.add_business_days(a, n)) <= utc(cal.add_business_days(a, m))


@fast
@given(cal=calendars, start=instants, n=offsets, data=st.data())
def test_business_days_pauses_never_make_it_earlier(
    cal: BusinessCalendar, start: datetime, n: int, data: st.DataObject
) -> None:
    pauses = data.draw(pause_lists(start))
    paused = cal.add_business_days(start, n, pauses)
    assert utc(paused) >= utc(cal.add_business_days(start, n))
    assert is_closing_time(cal, paused)


@fast
@given(start=instants, n=st.integers(1, 30))
def test_business_days_pause_over_closed_days_costs_nothing(start: datetime, n: int) -> None:
    """A pause from one closing to the next opening covers no business day's closing: nothing is counted twice."""
    cal = CALENDARS["pickering"]
    day = cal.add_business_days(start, 1)  # a closing time
    reopening = cal.next_opening(day)
    assert utc(cal.add_business_days(start, n, [(day + timedelta(seconds=1), reopening)])) == utc(
        cal.add_business_days(start, n)
    )


# --- business_hours ---------------------------------------------------------------------------


@fast
@given(cal=calendars, start=instants, h=hours)
def test_business_hours_due_in_open_time_and_exactly_h_after(
    cal: BusinessCalendar, start: datetime, h: timedelta
) -> None:
    due = cal.add_business_hours(start, h)
    assert in_open_time(cal, due)
    assert cal.business_time_between(start, due) == h
    assert utc(due) >= utc(start)


@fast
@given(cal=calendars, a=instants, b=instants, h=hours, k=hours)
def test_business_hours_monotonic_and_additive(
    cal: BusinessCalendar, a: datetime, b: datetime, h: timedelta, k: timedelta
) -> None:
    a, b = sorted((a, b))
    assert utc(cal.add_business_hours(a, h)) <= utc(cal.add_business_hours(b, h))
    assert utc(cal.add_business_hours(cal.add_business_hours(a, h), k)) == utc(cal.add_business_hours(a, h + k))


@fast
@given(cal=calendars, start=instants, h=hours, data=st.data())
def test_business_hours_pauses_never_earlier_and_never_counted_twice(
    cal: BusinessCalendar, start: datetime, h: timedelta, data: st.DataObject
) -> None:
    pauses = data.draw(pause_lists(start))
    due = cal.add_business_hours(start, h, pauses)
    assert utc(due) >= utc(cal.add_business_hours(start, h))
    # Exactly h of open, unpaused time: paused closed time (a weekend) was not subtracted again.
    assert cal.business_time_between(start, due, pauses) == h


@fast
@given(start=instants, h=hours)
def test_business_hours_pause_over_a_weekend_equals_pause_of_its_open_part(start: datetime, h: timedelta) -> None:
    cal = CALENDARS["pickering"]
    friday_close = cal.add_business_days(start, 1)
    monday_open = cal.next_opening(friday_close)
    weekend = [(friday_close - timedelta(minutes=30), monday_open + timedelta(minutes=30))]
    open_parts = [
        (friday_close - timedelta(minutes=30), friday_close),
        (monday_open, monday_open + timedelta(minutes=30)),
    ]
    assert utc(cal.add_business_hours(start, h, weekend)) == utc(cal.add_business_hours(start, h, open_parts))


# --- calendar --------------------------------------------------------------------------------


@fast
@given(
    cal=calendars,
    a=instants,
    b=instants,
    days=st.integers(-30, 30),
    roll=st.sampled_from([None, "forward", "backward"]),
)
def test_calendar_days_monotonic_in_start_even_across_dst(
    cal: BusinessCalendar, a: datetime, b: datetime, days: int, roll: str | None
) -> None:
    a, b = sorted((a, b))
    assert utc(cal.add_calendar(a, Period(days=days), roll)) <= utc(cal.add_calendar(b, Period(days=days), roll))  # type: ignore[arg-type]


@fast
@given(cal=calendars, start=instants, days=st.integers(0, 30))
def test_calendar_roll_forward_lands_on_business_day(cal: BusinessCalendar, start: datetime, days: int) -> None:
    due = cal.add_calendar(start, Period(days=days), "forward")
    raw = cal.add_calendar(start, Period(days=days))
    assert cal.is_business_day(due.date())
    assert utc(due) >= utc(raw)
    if not cal.is_business_day(raw.date()):
        assert is_closing_time(cal, due)


@fast
@given(cal=calendars, start=instants, minutes=st.integers(0, 60 * 24 * 30), data=st.data())
def test_calendar_pauses_add_their_length_once(
    cal: BusinessCalendar, start: datetime, minutes: int, data: st.DataObject
) -> None:
    pauses = data.draw(pause_lists(start))
    d = timedelta(minutes=minutes)
    due = cal.add_calendar(start, d, pauses=pauses)
    assert utc(due) >= utc(cal.add_calendar(start, d))
    merged_overlap = timedelta(0)
    ordered = sorted((utc(a), utc(b)) for a, b in pauses)
    cursor = utc(start)
    for a, b in ordered:
        a, b = max(a, cursor), min(b, utc(due))
        if b > a:
            merged_overlap += b - a
            cursor = b
    assert utc(due) - utc(start) - merged_overlap == d


# --- DST, both directions -------------------------------------------------------------------

dst_days = st.sampled_from(
    [
        datetime(2026, 3, 8, tzinfo=UTC),
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2027, 3, 14, tzinfo=UTC),
        datetime(2027, 11, 7, tzinfo=UTC),
    ]
)


@settings(max_examples=400, deadline=None)
@given(day=dst_days, minute=st.integers(-60 * 24, 60 * 24 * 2), h=hours, n=offsets)
def test_dst_changes_keep_every_clock_exact(day: datetime, minute: int, h: timedelta, n: int) -> None:
    cal = CALENDARS["split-dst"]
    start = day + timedelta(minutes=minute)
    due = cal.add_business_hours(start, h)
    assert cal.business_time_between(start, due) == h
    assert in_open_time(cal, due)
    assert is_closing_time(cal, cal.add_business_days(start, n))
    later = start + timedelta(minutes=17)
    assert utc(cal.add_calendar(start, Period(days=1))) <= utc(cal.add_calendar(later, Period(days=1)))
    assert utc(cal.add_calendar(start, timedelta(hours=24))) == utc(start) + timedelta(hours=24)
