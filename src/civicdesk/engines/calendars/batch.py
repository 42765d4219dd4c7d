"""Recompute many business-day due dates at once (numpy), identical to the scalar path.

Used when a calendar changes and every open clock on it must be recomputed:
local dates come from a table of local-midnight instants, the day from
``numpy.busday_offset(date, N, roll="backward")`` with the calendar's weekmask
and its closed weekdays as holidays, and the due instant from a dense
closing-time table. Instants travel as ``datetime64[us]`` in UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from civicdesk.engines.calendars.calendar import BusinessCalendar, _Tables
from civicdesk.engines.calendars.errors import CalendarError
from civicdesk.engines.calendars.zones import local_instant

_DAY_US = 86_400_000_000
_EPOCH_ORD = date(1970, 1, 1).toordinal()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

Instants = npt.NDArray[np.datetime64]


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


def _arrays(cal: BusinessCalendar, t: _Tables) -> _Arrays:
    cached = t.cache.get("arrays")
    if cached is None:
        cached = t.cache["arrays"] = _Arrays(cal, t)
    return cast(_Arrays, cached)


def to_instants(values: Sequence[datetime]) -> Instants:
    """Aware datetimes → ``datetime64[us]`` UTC array (the batch path's input)."""
    out = np.empty(len(values), dtype="datetime64[us]")
    for i, v in enumerate(values):
        if v.tzinfo is None or v.utcoffset() is None:
            raise CalendarError(f"instant {i} has no time zone")
        out[i] = np.datetime64(v.astimezone(UTC).replace(tzinfo=None), "us")
    return out


def from_instants(values: Instants, cal: BusinessCalendar) -> list[datetime]:
    """``datetime64[us]`` UTC array → aware datetimes in the calendar's zone."""
    us = values.astype("datetime64[us]").astype(np.int64)
    return [(_EPOCH + int(v) * _US).astimezone(cal.tz) for v in us]


def add_business_days_batch(
    cal: BusinessCalendar,
    starts: Instants,
    n: int | npt.NDArray[np.integer[Any]],
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
    lo_year = int(str(np.datetime64(int(us.min()), "us").astype("datetime64[Y]"))) - 1
    hi_year = int(str(np.datetime64(int(us.max()), "us").astype("datetime64[Y]"))) + 1
    reach = int(np.abs(offsets).max()) // 200 + 1
    missing = np.iinfo(np.int64).min
    for _ in range(30):
        t = cal.tables(lo_year - reach, hi_year + reach)
        a = _arrays(cal, t)
        starts_us = a.day_start_us
        # Days are 23-25 hours long, so a 24-hour estimate is off by at most one; correct both ways.
        k = (us - starts_us[0]) // _DAY_US
        np.clip(k, 0, len(starts_us) - 2, out=k)
        k -= us < starts_us[k]
        np.clip(k, 0, len(starts_us) - 2, out=k)
        k += us >= starts_us[k + 1]
        if via == "index":
            rolled = a.rollback[k]
            j = rolled + offsets
            if rolled.min() >= 0 and j.min() >= 0 and j.max() < len(a.bday_closing_us):
                return cast(Instants, a.bday_closing_us[j].astype("datetime64[us]"))
        else:
            local_days = (k + a.first_day).astype("datetime64[D]")
            due_days = np.busday_offset(local_days, offsets, roll="backward", busdaycal=a.busdaycal)
            idx = due_days.astype(np.int64) - a.first_day
            if idx.min() >= 0 and idx.max() < len(a.closing_us):
                due = a.closing_us[idx]
                if (due != missing).all():
                    return cast(Instants, due.astype("datetime64[us]"))
        reach *= 2
    raise CalendarError("business days out of reach; check the calendar's hours and closures")
