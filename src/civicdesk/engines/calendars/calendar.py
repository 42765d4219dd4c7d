"""The business calendar: which instants are business time, and the clock arithmetic on them.

The semantics are the contract in DESIGN.md ("Business-time semantics"):

* ``add_business_days(start, N)`` — closing time of the Nth business day after
  the receipt's local date; that date is day 0 whatever the hour (numpy's
  ``busday_offset(date, N, roll="backward")`` picks the day).
* ``add_business_hours(start, H)`` — H hours of open time; a receipt outside
  hours starts at the next opening.
* ``add_calendar(start, period, roll)`` — wall-clock time, optionally rolled to
  a business day's closing when it ends on a closed day.
* ``add_seconds`` / ``add_rings`` — telephone measures.

Internally every instant is UTC: Python compares and subtracts two datetimes
that share a ``ZoneInfo`` on their wall clocks, which is wrong across DST.
Results are returned in the jurisdiction's zone.

Per-year day tables are computed lazily and cached, so a business-day due
date is a couple of list lookups.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from civicdesk.engines.calendars.errors import CalendarError
from civicdesk.engines.calendars.spec import WEEKDAYS, CalendarSpec
from civicdesk.engines.calendars.statutory import base_name, observed_holidays, validate_source
from civicdesk.engines.calendars.zones import local_instant, require_aware, resolve_wall, wall_clock

Roll = Literal["forward", "backward"]
Pause = tuple[datetime, datetime]
Interval = tuple[datetime, datetime]

_ZERO = timedelta(0)
_DAY = timedelta(days=1)
# How far a walk may look for open time before the calendar is declared unusable.
_MAX_WALK_DAYS = 366 * 20


class DayKind(StrEnum):
    OPEN = "open"
    WEEKEND = "weekend"  # a weekday with no opening hours in the weekly schedule
    HOLIDAY = "holiday"
    CLOSURE = "closure"


@dataclass(frozen=True, slots=True)
class DayStatus:
    """Whether a local date is a business day, and if not, why.

    ``name`` is the weekday (open days and weekends), the holiday's name or
    the closure's name. ``openings`` are the day's open intervals in the
    jurisdiction's zone (shortened by part-day closures, named in
    ``part_closures``).
    """

    day: date
    kind: DayKind
    name: str
    openings: tuple[Interval, ...] = ()
    part_closures: tuple[str, ...] = ()

    @property
    def is_business_day(self) -> bool:
        return self.kind is DayKind.OPEN

    @property
    def closes(self) -> datetime | None:
        return self.openings[-1][1] if self.openings else None

    @property
    def reason(self) -> str:
        """A clerk-readable reason: ``weekend``, ``holiday: Civic Holiday``, ``closure: …``, ``open``."""
        return self.kind.value if self.kind in (DayKind.OPEN, DayKind.WEEKEND) else f"{self.kind.value}: {self.name}"


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar duration: whole days on the local wall clock, plus elapsed time.

    ``Period(days=14)`` is "same time two weeks later" even across a DST
    change; ``Period(elapsed=timedelta(hours=24))`` is 24 real hours. A plain
    ``timedelta`` given to :meth:`BusinessCalendar.add_calendar` is elapsed time.
    """

    days: int = 0
    elapsed: timedelta = _ZERO


class _Tables:
    """An immutable snapshot of the day tables over a contiguous range of years."""

    __slots__ = (
        "bday_ords",
        "cache",
        "closings",
        "closings_utc",
        "first_ord",
        "first_year",
        "last_year",
        "rollback",
        "statuses",
        "utc_openings",
    )

    def __init__(
        self, first_year: int, last_year: int, statuses: list[DayStatus], utc_openings: list[tuple[Interval, ...]]
    ) -> None:
        self.first_year = first_year
        self.last_year = last_year
        self.first_ord = date(first_year, 1, 1).toordinal()
        self.statuses = statuses
        self.utc_openings = utc_openings
        self.bday_ords: list[int] = []
        self.closings: list[datetime] = []
        self.closings_utc: list[datetime] = []
        # rollback[k]: index in bday_ords of the last business day on or before day k (-1 if none).
        self.rollback: list[int] = []
        for k, status in enumerate(statuses):
            if status.kind is DayKind.OPEN:
                self.bday_ords.append(self.first_ord + k)
                self.closings.append(status.openings[-1][1])
                self.closings_utc.append(utc_openings[k][-1][1])
            self.rollback.append(len(self.bday_ords) - 1)
        self.cache: dict[str, Any] = {}  # derived data (numpy arrays) built on demand

    def covers(self, ordinal: int) -> bool:
        return 0 <= ordinal - self.first_ord < len(self.statuses)


def _merge_pauses(pauses: Sequence[Pause]) -> list[Interval]:
    """Pauses as sorted, merged UTC intervals; a pause must be aware and end after it starts."""
    spans: list[Interval] = []
    for i, pause in enumerate(pauses):
        if len(pause) != 2:
            raise CalendarError(f"pause {i + 1} must be a (from, to) pair")
        a, b = pause
        require_aware(a, f"pause {i + 1} start")
        require_aware(b, f"pause {i + 1} end")
        a, b = a.astimezone(UTC), b.astimezone(UTC)
        if b < a:
            raise CalendarError(f"pause {i + 1} ends ({b.isoformat()}) before it starts ({a.isoformat()})")
        if b > a:
            spans.append((a, b))
    spans.sort()
    merged: list[Interval] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _minus(a: datetime, b: datetime, pauses: list[Interval]) -> Iterator[Interval]:
    """The parts of [a, b) not covered by the (merged) pauses."""
    for pa, pb in pauses:
        if pb <= a:
            continue
        if pa >= b:
            break
        if pa > a:
            yield a, pa
        a = max(a, pb)
        if a >= b:
            return
    if a < b:
        yield a, b


def _overlap(a: datetime, b: datetime, pauses: list[Interval]) -> timedelta:
    total = _ZERO
    for pa, pb in pauses:
        lo, hi = max(a, pa), min(b, pb)
        if hi > lo:
            total += hi - lo
    return total


def _paused_at(instant: datetime, pauses: list[Interval]) -> bool:
    return any(pa <= instant < pb for pa, pb in pauses)


class BusinessCalendar:
    """A jurisdiction's business time, built from a :class:`CalendarSpec`. Immutable; safe to share."""

    __slots__ = ("_lock", "_tables", "_years", "spec", "tz", "version")

    def __init__(self, spec: CalendarSpec) -> None:
        from civicdesk.engines.calendars.spec import zone

        self.spec = spec
        self.tz = zone(spec.time_zone)
        self.version = spec.version
        if spec.holidays is not None:
            validate_source(spec.holidays)
        self._lock = threading.Lock()
        self._years: dict[int, tuple[list[DayStatus], list[tuple[Interval, ...]]]] = {}
        self._tables = _Tables(2000, 1999, [], [])  # empty until the first question

    def __repr__(self) -> str:
        return f"<BusinessCalendar {self.spec.name or self.spec.time_zone} {self.version}>"

    # --- day tables ---------------------------------------------------------------

    def _build_year(self, year: int, statutory: dict[date, str]) -> tuple[list[DayStatus], list[tuple[Interval, ...]]]:
        spec = self.spec
        names: dict[date, list[str]] = {d: n.split("; ") for d, n in statutory.items()}
        for h in spec.additions:
            for d in h.rule.dates_in(year):
                names.setdefault(d, []).append(h.name)
        for r in spec.removals:
            if r.day.year == year and r.day in names:
                names[r.day] = [n for n in names[r.day] if r.name is not None and base_name(n) != r.name]
        whole: dict[date, str] = {}
        partial: dict[date, list[tuple[str, tuple[int, int]]]] = {}
        for c in spec.closures:
            for d in c.dates_in(year):
                if c.whole_day:
                    whole.setdefault(d, c.name)
                else:
                    partial.setdefault(d, []).append((c.name, c.window))
        statuses: list[DayStatus] = []
        utc_openings: list[tuple[Interval, ...]] = []
        d = date(year, 1, 1)
        while d.year == year:
            holiday = "; ".join(names.get(d, ())) or None
            shifts = spec.hours.days[d.weekday()]
            windows = [(s.opens, s.closes) for s in shifts]
            part_names: list[str] = []
            for name, (lo, hi) in partial.get(d, ()):
                cut: list[tuple[int, int]] = []
                for a, b in windows:
                    if hi <= a or lo >= b:
                        cut.append((a, b))
                        continue
                    part_names.append(name)
                    if a < lo:
                        cut.append((a, lo))
                    if hi < b:
                        cut.append((hi, b))
                windows = cut
            utc = tuple(
                (oa, ob)
                for oa, ob in (
                    (local_instant(d, a, self.tz).astimezone(UTC), local_instant(d, b, self.tz).astimezone(UTC))
                    for a, b in windows
                )
                if ob > oa  # a shift wholly inside a spring-forward gap vanishes
            )
            if holiday is not None:
                status = DayStatus(d, DayKind.HOLIDAY, holiday)
            elif not shifts:
                status = DayStatus(d, DayKind.WEEKEND, WEEKDAYS[d.weekday()].capitalize())
            elif d in whole:
                status = DayStatus(d, DayKind.CLOSURE, whole[d])
            elif not utc:
                status = DayStatus(d, DayKind.CLOSURE, " / ".join(dict.fromkeys(part_names)) or "no opening hours")
            else:
                local = tuple((a.astimezone(self.tz), b.astimezone(self.tz)) for a, b in utc)
                status = DayStatus(
                    d, DayKind.OPEN, WEEKDAYS[d.weekday()].capitalize(), local, tuple(dict.fromkeys(part_names))
                )
            statuses.append(status)
            utc_openings.append(utc if status.kind is DayKind.OPEN else ())
            d += _DAY
        return statuses, utc_openings

    def _ensure(self, first_year: int, last_year: int) -> _Tables:
        """Tables covering at least [first_year, last_year], extended (and cached) as needed."""
        t = self._tables
        if t.first_year <= first_year and last_year <= t.last_year:
            return t
        if not 1 <= first_year <= last_year <= 9998:
            raise CalendarError(f"dates outside the supported years ({first_year}-{last_year})")
        with self._lock:
            t = self._tables
            if t.first_year <= first_year and last_year <= t.last_year:
                return t
            lo = min(first_year, t.first_year) if t.statuses else first_year
            hi = max(last_year, t.last_year) if t.statuses else last_year
            missing = [y for y in range(lo, hi + 1) if y not in self._years]
            if missing:
                statutory = observed_holidays(self.spec.holidays, missing) if self.spec.holidays else {}
                for y in missing:
                    self._years[y] = self._build_year(y, {d: n for d, n in statutory.items() if d.year == y})
            statuses: list[DayStatus] = []
            openings: list[tuple[Interval, ...]] = []
            for y in range(lo, hi + 1):
                statuses.extend(self._years[y][0])
                openings.extend(self._years[y][1])
            self._tables = t = _Tables(lo, hi, statuses, openings)
            return t

    def _tables_for(self, ordinal: int) -> _Tables:
        t = self._tables
        if t.covers(ordinal):
            return t
        year = date.fromordinal(ordinal).year
        return self._ensure(year - 1, year + 1)

    def tables(self, first_year: int, last_year: int) -> _Tables:
        """The day tables over the given years (the vectorised path reads them)."""
        return self._ensure(first_year, last_year)

    # --- days -----------------------------------------------------------------------

    def day_status(self, day: date) -> DayStatus:
        """Whether ``day`` (a local date) is a business day and, if not, why."""
        o = day.toordinal()
        t = self._tables_for(o)
        return t.statuses[o - t.first_ord]

    def is_business_day(self, day: date) -> bool:
        return self.day_status(day).is_business_day

    def closed_days(self, first: date, last: date) -> tuple[DayStatus, ...]:
        """The non-business days in [first, last], each with its reason."""
        if last < first:
            return ()
        t = self._ensure(first.year, last.year)
        k0, k1 = first.toordinal() - t.first_ord, last.toordinal() - t.first_ord
        return tuple(s for s in t.statuses[k0 : k1 + 1] if not s.is_business_day)

    def holidays(self, year: int) -> tuple[DayStatus, ...]:
        """Holidays and closures of a year, weekends left out (for ``profile show``)."""
        return tuple(
            s
            for s in self.closed_days(date(year, 1, 1), date(year, 12, 31))
            if s.kind is not DayKind.WEEKEND or s.part_closures
        )

    def _utc_openings(self, day: date) -> tuple[Interval, ...]:
        o = day.toordinal()
        t = self._tables_for(o)
        return t.utc_openings[o - t.first_ord]

    def _business_day_after(self, day: date, step: int) -> DayStatus:
        """The first business day strictly after (step=1) or before (step=-1) ``day``."""
        for _ in range(_MAX_WALK_DAYS):
            day += timedelta(days=step)
            status = self.day_status(day)
            if status.is_business_day:
                return status
        raise CalendarError("no business day within 20 years; check the calendar's hours and closures")

    # --- instants ----------------------------------------------------------------------

    def local_date(self, instant: datetime) -> date:
        require_aware(instant)
        return instant.astimezone(self.tz).date()

    def is_open(self, instant: datetime) -> bool:
        """True when ``instant`` falls inside an opening (opening inclusive, closing exclusive)."""
        require_aware(instant)
        u = instant.astimezone(UTC)
        return any(a <= u < b for a, b in self._utc_openings(u.astimezone(self.tz).date()))

    def _segments(self, start_utc: datetime, pauses: list[Interval]) -> Iterator[Interval]:
        """Open, unpaused UTC intervals at or after ``start_utc``, in order, clipped to it."""
        day = start_utc.astimezone(self.tz).date()
        for _ in range(_MAX_WALK_DAYS):
            for a, b in self._utc_openings(day):
                if b <= start_utc:
                    continue
                yield from _minus(max(a, start_utc), b, pauses)
            day += _DAY
        raise CalendarError("no open time within 20 years; check the calendar's hours and closures")

    def next_opening(self, instant: datetime, pauses: Sequence[Pause] = ()) -> datetime:
        """The first instant at or after ``instant`` when the office is open (``instant`` itself if open)."""
        require_aware(instant)
        for a, _b in self._segments(instant.astimezone(UTC), _merge_pauses(pauses)):
            return a.astimezone(self.tz)
        raise AssertionError("unreachable")  # pragma: no cover

    def closing_time(self, day: date) -> datetime | None:
        """When the office closes on ``day`` (after any early close); None on a closed day."""
        return self.day_status(day).closes

    # --- clock kinds -----------------------------------------------------------------

    def add_business_days(self, start: datetime, n: int, pauses: Sequence[Pause] = ()) -> datetime:
        """Closing time of the nth business day after ``start``'s local date (day 0).

        A business day whose closing falls inside a pause does not count, so a
        pause over a weekend costs at most the one business day it covers.
        """
        if start.tzinfo is None:
            require_aware(start)
        if pauses:
            return self._add_business_days_paused(start, n, _merge_pauses(pauses))
        o = start.astimezone(self.tz).toordinal()
        t = self._tables
        k = o - t.first_ord
        if 0 <= k < len(t.rollback):
            i = t.rollback[k]
            j = i + n
            if i >= 0 and 0 <= j < len(t.closings):
                return t.closings[j]
        return self._add_business_days_slow(o, n)

    def _add_business_days_slow(self, o: int, n: int) -> datetime:
        year = date.fromordinal(o).year
        span = abs(n) // 200 + 1
        for _ in range(100):
            t = self._ensure(year - span, year + span)
            i = t.rollback[o - t.first_ord]
            j = i + n
            if i >= 0 and 0 <= j < len(t.closings):
                return t.closings[j]
            span *= 2
        raise CalendarError("no business day within reach; check the calendar's hours and closures")

    def _add_business_days_paused(self, start: datetime, n: int, pauses: list[Interval]) -> datetime:
        if n < 0:
            raise CalendarError("pauses apply only to clocks that run forward (n >= 0)")
        rolled = self.add_business_days(start, 0)
        if n == 0:
            return rolled
        day = rolled.date()
        counted = 0
        for _ in range(_MAX_WALK_DAYS):
            status = self._business_day_after(day, 1)
            day = status.day
            closes = status.openings[-1][1]
            if not _paused_at(closes.astimezone(UTC), pauses):
                counted += 1
                if counted == n:
                    return closes
        raise CalendarError("the clock is paused for more than 20 years")

    def add_business_hours(self, start: datetime, hours: float | timedelta, pauses: Sequence[Pause] = ()) -> datetime:
        """``hours`` of open, unpaused time after ``start`` (a receipt outside hours starts at the next opening)."""
        require_aware(start)
        remaining = hours if isinstance(hours, timedelta) else timedelta(hours=hours)
        if remaining < _ZERO:
            raise CalendarError(f"business hours must not be negative, got {hours}")
        u = start.astimezone(UTC)
        if remaining == _ZERO and any(b == u for _a, b in self._utc_openings(u.astimezone(self.tz).date())):
            # A clock that has just run out at a closing stays there: adding nothing to a due
            # date must give the same due date (h then 0 == h), not the next opening.
            return start.astimezone(self.tz)
        for a, b in self._segments(start.astimezone(UTC), _merge_pauses(pauses)):
            if remaining <= b - a:
                return (a + remaining).astimezone(self.tz)
            remaining -= b - a
        raise AssertionError("unreachable")  # pragma: no cover

    def business_time_between(self, a: datetime, b: datetime, pauses: Sequence[Pause] = ()) -> timedelta:
        """Open, unpaused time in [a, b); negative when ``b`` is before ``a``."""
        require_aware(a)
        require_aware(b)
        ua, ub = a.astimezone(UTC), b.astimezone(UTC)
        if ub < ua:
            return -self.business_time_between(b, a, pauses)
        merged = _merge_pauses(pauses)
        total = _ZERO
        day = ua.astimezone(self.tz).date()
        last = ub.astimezone(self.tz).date()
        while day <= last:
            for oa, ob in self._utc_openings(day):
                for sa, sb in _minus(max(oa, ua), min(ob, ub), merged):
                    total += sb - sa
            day += _DAY
        return total

    def add_calendar(
        self,
        start: datetime,
        period: Period | timedelta,
        roll: Roll | None = None,
        pauses: Sequence[Pause] = (),
    ) -> datetime:
        """Wall-clock time after (or, negative, before) ``start``; paused time is added back.

        With ``roll``, a result on a non-business day moves to the closing time
        of the next (``forward``) or previous (``backward``) business day.
        """
        require_aware(start)
        if isinstance(period, timedelta):
            period = Period(elapsed=period)
        u = start.astimezone(UTC)
        base = u
        if period.days:
            base = resolve_wall(wall_clock(start, self.tz) + timedelta(days=period.days), self.tz).astimezone(UTC)
        due = base + period.elapsed
        merged = _merge_pauses(pauses)
        if merged:
            if due < u:
                raise CalendarError("pauses apply only to clocks that run forward")
            extended = due
            while True:
                candidate = due + _overlap(u, extended, merged)
                if candidate == extended:
                    break
                extended = candidate
            due = extended
        result = due.astimezone(self.tz)
        if roll is None:
            return result
        status = self.day_status(result.date())
        if status.is_business_day:
            return result
        if roll not in ("forward", "backward"):
            raise CalendarError(f"roll must be 'forward', 'backward' or None, got {roll!r}")
        return self._business_day_after(status.day, 1 if roll == "forward" else -1).openings[-1][1]

    def add_seconds(self, start: datetime, seconds: float, pauses: Sequence[Pause] = ()) -> datetime:
        """Elapsed seconds (telephone measures such as LW-HOLD's 60 seconds)."""
        if seconds < 0:
            raise CalendarError(f"seconds must not be negative, got {seconds}")
        return self.add_calendar(start, timedelta(seconds=seconds), pauses=pauses)

    def add_rings(self, start: datetime, rings: int, pauses: Sequence[Pause] = ()) -> datetime:
        """N rings = N x the ring cadence (6 s by default: North America's 2 s on, 4 s off)."""
        if rings < 0:
            raise CalendarError(f"rings must not be negative, got {rings}")
        return self.add_seconds(start, rings * self.spec.ring_seconds, pauses)
