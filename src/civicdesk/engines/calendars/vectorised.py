"""Business-day due dates for many clocks at once (numpy), identical to the scalar path.

:func:`civicdesk.engines.standards.due_many` uses it for business-day clocks,
as when a calendar change moves every running clock on it. Local dates come
from a table of local-midnight instants, the day from the calendar's
business-day index (the same answer as ``numpy.busday_offset(date, N,
roll="backward")`` with the calendar's weekmask and its closed weekdays as
holidays), and the due instant from the closing-time table. Instants travel
as ``datetime64[us]`` in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from civicdesk.engines.calendars.calendar import BusinessCalendar, _Tables
from civicdesk.engines.calendars.errors import CalendarError
from civicdesk.engines.calendars.zones import local_instant, require_aware

_DAY_US = 86_400_000_000
_EPOCH_ORD = date(1970, 1, 1).toordinal()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

Instants = npt.NDArray[np.datetime64]
Offsets = int | npt.NDArray[np.integer[Any]]


def _micros(instant: datetime) -> int:
    """Exact microseconds since the epoch (float timestamps can be off by one)."""
    return (instant - _EPOCH) // _US


class _Arrays:
    """Numpy views of one tables snapshot (built once per snapshot and cached on it)."""

    __slots__ = ("bday_closing_us", "busdaycal", "closing_us", "day_start_us", "first_day", "rollback")

    def __init__(self, cal: BusinessCalendar, t: _Tables) -> None:
        days = len(t.statuses)
        self.first_day = t.first_ord - _EPOCH_ORD  # days since 1970-01-01
        # UTC instant at which each local day starts (one extra for the end of the last day).
        starts = [_micros(local_instant(date.fromordinal(t.first_ord + k), 0, cal.tz)) for k in range(days + 1)]
        self.day_start_us = np.array(starts, dtype=np.int64)
        closing = np.full(days, np.iinfo(np.int64).min, dtype=np.int64)
        for o, c in zip(t.bday_ords, t.closings_utc, strict=True):
            closing[o - t.first_ord] = _micros(c)
        self.closing_us = closing
        # The business-day index: rollback[k] is numpy's roll="backward" day for local day k.
        self.rollback = np.array(t.rollback, dtype=np.int64)
        self.bday_closing_us = np.array([_micros(c) for c in t.closings_utc], dtype=np.int64)
        weekmask = list(cal.spec.hours.weekmask)
        closed_weekdays = [s.day for s in t.statuses if not s.is_business_day and weekmask[s.day.weekday()]]
        self.busdaycal = np.busdaycalendar(
            weekmask=np.array(weekmask, dtype=bool),
            holidays=np.array(closed_weekdays, dtype="datetime64[D]"),
        )

    def local_days(self, us: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The index (into the snapshot's days) of each UTC instant's local date."""
        starts_us = self.day_start_us
        # Days are 23-25 hours long, so a 24-hour estimate is off by at most one; correct both ways.
        k = (us - starts_us[0]) // _DAY_US
        np.clip(k, 0, len(starts_us) - 2, out=k)
        k -= us < starts_us[k]
        np.clip(k, 0, len(starts_us) - 2, out=k)
        k += us >= starts_us[k + 1]
        return cast(npt.NDArray[np.int64], k)


def _arrays(cal: BusinessCalendar, t: _Tables) -> _Arrays:
    cached = t.cache.get("arrays")
    if cached is None:
        cached = t.cache["arrays"] = _Arrays(cal, t)
    return cast(_Arrays, cached)


def _widening_tables(
    cal: BusinessCalendar, us: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64]
) -> Iterator[tuple[_Tables, _Arrays]]:
    """Snapshots over ever more years around the instants, until the caller finds every answer inside one."""
    lo_year = int(str(np.datetime64(int(us.min()), "us").astype("datetime64[Y]"))) - 1
    hi_year = int(str(np.datetime64(int(us.max()), "us").astype("datetime64[Y]"))) + 1
    reach = int(np.abs(offsets).max()) // 200 + 1
    for _ in range(30):
        t = cal.tables(lo_year - reach, hi_year + reach)
        yield t, _arrays(cal, t)
        reach *= 2


_OUT_OF_REACH = "business days out of reach; check the calendar's hours and closures"


def to_instants(values: Sequence[datetime]) -> Instants:
    """Aware datetimes → ``datetime64[us]`` UTC array (the vectorised path's input)."""
    try:
        # Subtracting the aware epoch is exact and several times faster than numpy's datetime conversion.
        us = np.fromiter(((v - _EPOCH) // _US for v in values), dtype=np.int64, count=len(values))
    except TypeError:
        for i, value in enumerate(values):
            require_aware(value, f"instant {i}")  # names the first naive one (a CalendarError)
        raise
    return us.astype("datetime64[us]")


def from_instants(values: Instants, cal: BusinessCalendar) -> list[datetime]:
    """``datetime64[us]`` UTC array → aware datetimes in the calendar's zone."""
    us = values.astype("datetime64[us]").astype(np.int64)
    return [(_EPOCH + int(v) * _US).astimezone(cal.tz) for v in us]


def add_business_days_many(
    cal: BusinessCalendar,
    starts: Instants,
    n: Offsets,
    *,
    via: Literal["index", "busday_offset"] = "index",
) -> Instants:
    """Vectorised :meth:`BusinessCalendar.add_business_days` (no pauses): same results, many at once.

    ``via="index"`` (default) looks the day up in the calendar's business-day
    index (the same answer as ``numpy.busday_offset(day, n, roll="backward")``,
    about 4x faster); ``via="busday_offset"`` asks numpy directly.
    """
    us = np.asarray(starts, dtype="datetime64[us]").astype(np.int64)
    offsets = np.asarray(n, dtype=np.int64)
    if us.size == 0:
        return np.empty(0, dtype="datetime64[us]")
    if via == "index":
        _t, a, j = _business_day_indices(cal, us, offsets)
        return cast(Instants, a.bday_closing_us[j].astype("datetime64[us]"))
    missing = np.iinfo(np.int64).min
    for _t, a in _widening_tables(cal, us, offsets):
        local_days = (a.local_days(us) + a.first_day).astype("datetime64[D]")
        due_days = np.busday_offset(local_days, offsets, roll="backward", busdaycal=a.busdaycal)
        idx = due_days.astype(np.int64) - a.first_day
        if idx.min() >= 0 and idx.max() < len(a.closing_us):
            due = a.closing_us[idx]
            if (due != missing).all():
                return cast(Instants, due.astype("datetime64[us]"))
    raise CalendarError(_OUT_OF_REACH)


def business_day_closings(cal: BusinessCalendar, starts: Sequence[datetime], n: int) -> list[datetime]:
    """``[cal.add_business_days(start, n) for start in starts]`` (no pauses): the same datetimes, found at once."""
    if not starts:
        return []
    us = to_instants(starts).astype(np.int64)
    t, _a, j = _business_day_indices(cal, us, np.asarray(n, dtype=np.int64))
    closings = t.closings  # the calendar's own closing datetimes, in its zone, as the scalar path returns them
    return [closings[i] for i in j.tolist()]


def _business_day_indices(
    cal: BusinessCalendar, us: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64]
) -> tuple[_Tables, _Arrays, npt.NDArray[np.int64]]:
    """A snapshot and, per instant, the index of its due business day in the snapshot's closing tables."""
    for t, a in _widening_tables(cal, us, offsets):
        rolled = a.rollback[a.local_days(us)]
        j = rolled + offsets
        if rolled.min() >= 0 and j.min() >= 0 and j.max() < len(a.bday_closing_us):
            return t, a, j
    raise CalendarError(_OUT_OF_REACH)
