"""Shared calendars and strategies for the calendar engine's tests."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import strategies as st

from civicdesk.engines.calendars import BusinessCalendar, CalendarSpec, HolidaySource, WeeklyHours
from tests.fixtures.clock import TORONTO

WEEKDAYS_0830_1630 = {d: ["08:30-16:30"] for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}


def pickering_like(**overrides: object) -> BusinessCalendar:
    """Mon-Fri 08:30-16:30 in Toronto with Ontario's statutory holidays (the DESIGN.md examples)."""
    fields: dict[str, object] = {
        "version": "test.1",
        "time_zone": "America/Toronto",
        "hours": WeeklyHours.parse(WEEKDAYS_0830_1630),
        "holidays": HolidaySource(
            "CA",
            "ON",
            keep=frozenset(
                {
                    "New Year's Day",
                    "Family Day",
                    "Good Friday",
                    "Victoria Day",
                    "Canada Day",
                    "Civic Holiday",
                    "Labour Day",
                    "Thanksgiving Day",
                    "Christmas Day",
                    "Boxing Day",
                }
            ),
            language="en_CA",
        ),
    }
    fields.update(overrides)
    return BusinessCalendar(CalendarSpec(**fields))  # type: ignore[arg-type]


def split_shift_dst() -> BusinessCalendar:
    """A calendar whose shifts cross DST changes: lunch break, a night line, a Saturday morning."""
    hours = {
        "monday": ["08:00-12:00", "13:00-17:00"],
        "tuesday": ["08:00-12:00", "13:00-17:00"],
        "wednesday": ["08:00-12:00", "13:00-17:00"],
        "thursday": ["08:00-12:00", "13:00-17:00"],
        "friday": ["08:00-12:00", "13:00-20:00"],
        "saturday": ["09:00-12:00"],
        "sunday": ["00:30-03:30"],
    }
    return BusinessCalendar(CalendarSpec(version="dst.1", time_zone="America/Toronto", hours=WeeklyHours.parse(hours)))


def toronto(*args: int) -> datetime:
    return datetime(*args, tzinfo=TORONTO)  # type: ignore[arg-type,misc]


# Hypothesis takes naive bounds and attaches the zone itself.
_FIRST = datetime(2024, 1, 1, tzinfo=UTC).replace(tzinfo=None)
_LAST = datetime(2032, 12, 31, tzinfo=UTC).replace(tzinfo=None)
instants = st.datetimes(min_value=_FIRST, max_value=_LAST, timezones=st.just(UTC))
