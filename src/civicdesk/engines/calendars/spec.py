"""What a business calendar is made of, as plain immutable data.

A :class:`CalendarSpec` is everything a jurisdiction decides about its time:
its zone, its weekly opening hours, which statutory holidays it observes, its
municipal additions and removals, and its closures. The standards loader
builds one from a profile file; tests build them directly.
"""

from __future__ import annotations

import calendar as _cal
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from civicdesk.engines.calendars.errors import CalendarSpecError

DAY_SECONDS = 86_400
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = tuple(m.lower() for m in _cal.month_name[1:])
ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "last": -1,
}


def parse_clock_time(text: str, *, key: str, allow_24: bool = False) -> int:
    """``"08:30"`` → seconds after local midnight; ``"24:00"`` only where a day may end."""
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not m:
        raise CalendarSpecError(key, f"expected a time as HH:MM, got {text!r}")
    hours, minutes = int(m.group(1)), int(m.group(2))
    if allow_24 and (hours, minutes) == (24, 0):
        return DAY_SECONDS
    if hours > 23 or minutes > 59:
        raise CalendarSpecError(key, f"{text!r} is not a time of day (00:00-23:59)")
    return hours * 3600 + minutes * 60


def format_clock_time(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


@dataclass(frozen=True, slots=True, order=True)
class Shift:
    """One opening on a weekday, in local wall-clock seconds after midnight.

    ``closes`` may be 86 400 (``24:00``) for a line open until midnight.
    """

    opens: int
    closes: int

    def __post_init__(self) -> None:
        if not 0 <= self.opens < self.closes <= DAY_SECONDS:
            raise CalendarSpecError("hours", f"a shift must open before it closes, got {self}")

    @classmethod
    def parse(cls, text: str, *, key: str = "hours") -> Shift:
        """``"08:30-16:30"`` → Shift."""
        parts = text.split("-")
        if len(parts) != 2:
            raise CalendarSpecError(key, f'expected "HH:MM-HH:MM", got {text!r}')
        opens = parse_clock_time(parts[0], key=key)
        closes = parse_clock_time(parts[1], key=key, allow_24=True)
        if closes <= opens:
            raise CalendarSpecError(key, f"{text!r} closes before it opens (shifts may not cross midnight)")
        return cls(opens, closes)

    def __str__(self) -> str:
        return f"{format_clock_time(self.opens)}-{format_clock_time(self.closes)}"


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Opening shifts for each weekday, Monday first; split shifts allowed."""

    days: tuple[tuple[Shift, ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise CalendarSpecError("hours", "expected shifts for 7 weekdays")
        for name, shifts in zip(WEEKDAYS, self.days, strict=True):
            ordered = sorted(shifts)
            for before, after in pairwise(ordered):
                if after.opens < before.closes:
                    raise CalendarSpecError(f"hours.{name}", f"shifts {before} and {after} overlap")
        if not any(self.days):
            raise CalendarSpecError("hours", "the office must be open on at least one weekday")

    @classmethod
    def parse(cls, table: Mapping[str, Iterable[str]]) -> WeeklyHours:
        """``{"monday": ["08:30-12:00", "13:00-16:30"], …}``; a missing weekday is closed."""
        unknown = set(table) - set(WEEKDAYS)
        if unknown:
            raise CalendarSpecError(
                f"hours.{sorted(unknown)[0]}", f"unknown weekday (expected one of {', '.join(WEEKDAYS)})"
            )
        days = tuple(
            tuple(sorted(Shift.parse(s, key=f"hours.{name}") for s in table.get(name, ()))) for name in WEEKDAYS
        )
        return cls(days)

    @property
    def weekmask(self) -> tuple[bool, ...]:
        """Which weekdays have any opening (numpy's ``weekmask``)."""
        return tuple(bool(shifts) for shifts in self.days)


# --- date rules for municipal additions -------------------------------------------


@dataclass(frozen=True, slots=True)
class FixedDate:
    """One particular day (``2026-12-24``)."""

    day: date

    def dates_in(self, year: int) -> tuple[date, ...]:
        return (self.day,) if self.day.year == year else ()

    def __str__(self) -> str:
        return self.day.isoformat()


@dataclass(frozen=True, slots=True)
class AnnualDate:
    """The same month and day each year (``december 24``)."""

    month: int
    day: int

    def dates_in(self, year: int) -> tuple[date, ...]:
        if self.day > _cal.monthrange(year, self.month)[1]:
            return ()  # 29 February outside leap years
        return (date(year, self.month, self.day),)

    def __str__(self) -> str:
        return f"{MONTHS[self.month - 1]} {self.day}"


@dataclass(frozen=True, slots=True)
class NthWeekday:
    """The nth weekday of a month (``first monday of august``); ``n = -1`` is the last."""

    n: int
    weekday: int
    month: int

    def dates_in(self, year: int) -> tuple[date, ...]:
        days = [
            date(year, self.month, d)
            for d in range(1, _cal.monthrange(year, self.month)[1] + 1)
            if date(year, self.month, d).weekday() == self.weekday
        ]
        if self.n == -1:
            return (days[-1],)
        return (days[self.n - 1],) if self.n <= len(days) else ()

    def __str__(self) -> str:
        word = "last" if self.n == -1 else {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}[self.n]
        return f"{word} {WEEKDAYS[self.weekday]} of {MONTHS[self.month - 1]}"


@dataclass(frozen=True, slots=True)
class DayAfter:
    """A day a fixed number of days after (or before) another rule's day: "day after fourth thursday of november"."""

    days: int
    rule: FixedDate | AnnualDate | NthWeekday

    def dates_in(self, year: int) -> tuple[date, ...]:
        return tuple(
            shifted
            for y in (year - 1, year, year + 1)
            for d in self.rule.dates_in(y)
            if (shifted := d + timedelta(days=self.days)).year == year
        )

    def __str__(self) -> str:
        if self.days in (1, -1):
            return f"day {'after' if self.days > 0 else 'before'} {self.rule}"
        return f"{abs(self.days)} days {'after' if self.days > 0 else 'before'} {self.rule}"


DateRule = FixedDate | AnnualDate | NthWeekday | DayAfter

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def parse_date_rule(text: str, *, key: str = "rule") -> DateRule:
    """Parse a clerk-readable rule.

    ``first monday of august``, ``last monday of may``, ``december 24``,
    ``day after fourth thursday of november``, ``2 days before december 25``.
    """
    words = text.strip().lower().split()
    if len(words) >= 3 and words[0] == "day" and words[1] in ("after", "before"):
        inner = parse_date_rule(" ".join(words[2:]), key=key)
        if isinstance(inner, DayAfter):
            raise CalendarSpecError(key, f"{text!r}: only one 'day after/before' per rule")
        return DayAfter(1 if words[1] == "after" else -1, inner)
    if len(words) >= 4 and words[1] == "days" and words[2] in ("after", "before"):
        count = _NUMBERS.get(words[0]) or (int(words[0]) if words[0].isdigit() else 0)
        inner = parse_date_rule(" ".join(words[3:]), key=key)
        if count < 1 or isinstance(inner, DayAfter):
            raise CalendarSpecError(key, f"{text!r}: expected e.g. '2 days after december 24'")
        return DayAfter(count if words[2] == "after" else -count, inner)
    if len(words) == 4 and words[2] == "of" and words[0] in ORDINALS and words[1] in WEEKDAYS and words[3] in MONTHS:
        return NthWeekday(ORDINALS[words[0]], WEEKDAYS.index(words[1]), MONTHS.index(words[3]) + 1)
    if len(words) == 2 and words[0] in MONTHS and words[1].isdigit():
        month, day = MONTHS.index(words[0]) + 1, int(words[1])
        if not 1 <= day <= _cal.monthrange(2024, month)[1]:
            raise CalendarSpecError(key, f"{text!r}: {words[0]} has no day {day}")
        return AnnualDate(month, day)
    raise CalendarSpecError(
        key, f'expected a rule like "first monday of august", "last monday of may" or "december 24", got {text!r}'
    )


# --- the parts of a calendar ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class HolidaySource:
    """Statutory holidays from the ``holidays`` package, filtered by the city.

    All of the package's categories are read; a day is observed when one of
    its names is in ``keep`` (or ``keep`` is None, meaning "everything not
    dropped") and not in ``drop``. Names match without the package's
    "(observed)" suffix, so keeping "Boxing Day" keeps its observed Monday.
    """

    country: str
    subdivision: str | None = None
    keep: frozenset[str] | None = None
    drop: frozenset[str] = frozenset()
    observed: bool = True
    language: str | None = None
    categories: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class MunicipalHoliday:
    """A day the city closes that the statutory list does not give it (Ontario's Civic Holiday)."""

    name: str
    rule: DateRule


@dataclass(frozen=True, slots=True)
class HolidayRemoval:
    """A statutory day the city works on a given date (optionally only the holiday of that name)."""

    day: date
    name: str | None = None


@dataclass(frozen=True, slots=True)
class DateRange:
    """Consecutive days, both ends included."""

    first_day: date
    last_day: date

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise CalendarSpecError("closures", f"ends ({self.last_day}) before it starts ({self.first_day})")

    def dates_in(self, year: int) -> tuple[date, ...]:
        lo = max(self.first_day, date(year, 1, 1))
        hi = min(self.last_day, date(year, 12, 31))
        return tuple(lo + timedelta(days=i) for i in range((hi - lo).days + 1))

    def __str__(self) -> str:
        if self.first_day == self.last_day:
            return self.first_day.isoformat()
        return f"{self.first_day.isoformat()} to {self.last_day.isoformat()}"


@dataclass(frozen=True, slots=True)
class AnnualRange:
    """The same stretch every year, possibly across New Year ("december 24" to "january 1")."""

    start: AnnualDate
    end: AnnualDate

    def dates_in(self, year: int) -> tuple[date, ...]:
        crosses = (self.end.month, self.end.day) < (self.start.month, self.start.day)
        spans = [(year - 1, year), (year, year + 1)] if crosses else [(year, year)]
        days: list[date] = []
        for y0, y1 in spans:
            first, last = self.start.dates_in(y0), self.end.dates_in(y1)
            if first and last:
                days.extend(DateRange(first[0], last[0]).dates_in(year))
        return tuple(days)

    def __str__(self) -> str:
        return f"every year from {self.start} to {self.end}"


@dataclass(frozen=True, slots=True)
class EveryNWeeks:
    """A weekday every n weeks from a first occurrence (a 9/80 schedule's closed Fridays)."""

    first_day: date
    weeks: int
    last_day: date | None = None

    def __post_init__(self) -> None:
        if self.weeks < 1:
            raise CalendarSpecError("closures", f"every_weeks must be at least 1, got {self.weeks}")

    def dates_in(self, year: int) -> tuple[date, ...]:
        lo = max(self.first_day, date(year, 1, 1))
        hi = date(year, 12, 31) if self.last_day is None else min(self.last_day, date(year, 12, 31))
        step = 7 * self.weeks
        skip = -((lo - self.first_day).days // -step)  # ceiling division
        d = self.first_day + timedelta(days=skip * step)
        days: list[date] = []
        while d <= hi:
            days.append(d)
            d += timedelta(days=step)
        return tuple(days)

    def __str__(self) -> str:
        until = f" until {self.last_day.isoformat()}" if self.last_day else ""
        return f"every {self.weeks} weeks from {self.first_day.isoformat()}{until}"


ClosureDays = DateRange | AnnualRange | EveryNWeeks | FixedDate | AnnualDate | NthWeekday | DayAfter


@dataclass(frozen=True, slots=True)
class Closure:
    """The office closed for a named reason: whole days, or part of each of those days.

    ``closed_from``/``closed_until`` are local seconds after midnight; both
    None is a whole-day closure, ``closed_from`` alone an early close.
    """

    name: str
    days: ClosureDays
    closed_from: int | None = None
    closed_until: int | None = None

    def __post_init__(self) -> None:
        start, end = self.window
        if end <= start:
            raise CalendarSpecError("closures", f"{self.name!r} reopens before it closes")

    @property
    def whole_day(self) -> bool:
        return self.closed_from is None and self.closed_until is None

    @property
    def window(self) -> tuple[int, int]:
        """The closed part of each day, local seconds after midnight."""
        return (self.closed_from or 0, DAY_SECONDS if self.closed_until is None else self.closed_until)

    def dates_in(self, year: int) -> tuple[date, ...]:
        return self.days.dates_in(year)


def zone(name: str) -> ZoneInfo:
    """A ``zoneinfo`` zone, or a spec error naming the bad zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarSpecError(
            "time_zone", f"unknown time zone {name!r} (expected an IANA name such as America/Toronto)"
        ) from exc


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """Everything a jurisdiction decides about business time. ``version`` is recorded with every due date."""

    version: str
    time_zone: str
    hours: WeeklyHours
    holidays: HolidaySource | None = None
    additions: tuple[MunicipalHoliday, ...] = ()
    removals: tuple[HolidayRemoval, ...] = ()
    closures: tuple[Closure, ...] = ()
    ring_seconds: float = 6.0
    name: str = field(default="")

    def __post_init__(self) -> None:
        zone(self.time_zone)
        if not self.version.strip():
            raise CalendarSpecError("version", "a calendar needs a version (e.g. 2026.1)")
        if not self.ring_seconds > 0:
            raise CalendarSpecError("ring_seconds", f"expected a positive number of seconds, got {self.ring_seconds}")
