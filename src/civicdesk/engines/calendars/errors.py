"""Typed errors of the business-calendar engine.

Callers (the standards loader, the CLI, the domain) catch these to turn a
user's mistake into a one-line message instead of a traceback.
"""

from __future__ import annotations


class CalendarError(ValueError):
    """Base class: anything the calendar engine refuses to compute."""


class NaiveDatetimeError(CalendarError, TypeError):
    """A datetime without a time zone was given; every instant must be aware."""

    def __init__(self, what: str = "instant") -> None:
        super().__init__(
            f"{what} has no time zone; give an aware datetime (ISO 8601 with an offset, e.g. 2026-08-03T10:00:00-04:00)"
        )


class CalendarSpecError(CalendarError):
    """The calendar's description is invalid (bad hours, unknown holiday region, …).

    ``key`` names the part of the spec at fault (``hours.monday``,
    ``holidays.subdivision``…) so a profile loader can point at the line.
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message
