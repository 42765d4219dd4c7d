"""Turning local wall-clock times into instants, DST-correct and order-preserving.

Two rules keep every clock monotonic across DST changes:

* a wall time that does not exist (the spring-forward gap) resolves to the
  end of the gap, the first instant that does exist;
* a wall time that occurs twice (the fall-back hour) resolves to its first
  occurrence.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from civicdesk.engines.calendars.errors import NaiveDatetimeError

_SECOND = timedelta(seconds=1)
_ZERO = timedelta(0)


def require_aware(instant: datetime, what: str = "instant") -> None:
    """Reject naive datetimes: a clock started at an unknown offset is a wrong clock."""
    if not isinstance(instant, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise NaiveDatetimeError(what)


def _transition(before: datetime, after: datetime, tz: ZoneInfo) -> datetime:
    """The first instant in (before, after] carrying ``after``'s offset, as UTC.

    Offset changes happen on whole seconds, so the search runs on POSIX seconds.
    """
    target = after.astimezone(tz).utcoffset()
    lo, hi = math.floor(before.timestamp()), math.ceil(after.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def resolve_wall(naive: datetime, tz: ZoneInfo) -> datetime:
    """The instant for a local wall time (gap → end of gap, repeat → first occurrence), in ``tz``."""
    first = naive.replace(tzinfo=tz, fold=0)
    utc = first.astimezone(UTC)
    back = utc.astimezone(tz)
    if back.replace(tzinfo=None, fold=0) == naive:
        return back
    # In a gap zoneinfo's fold=1 uses the offset after the change, so it lands before the change.
    earlier = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    return _transition(earlier, utc, tz).astimezone(tz)


def local_instant(day: date, seconds: int, tz: ZoneInfo) -> datetime:
    """The instant of ``seconds`` after local midnight on ``day`` (86 400 = next midnight)."""
    if seconds >= 86_400:
        day, seconds = day + timedelta(days=1), seconds - 86_400
    naive = datetime.combine(day, time(seconds // 3600, seconds % 3600 // 60, seconds % 60))
    return resolve_wall(naive, tz)


def wall_clock(instant: datetime, tz: ZoneInfo) -> datetime:
    """The naive local wall time to count calendar days from, monotonic in ``instant``.

    An instant in the second pass of a repeated hour reads as the end of that
    hour, so a later instant never gets an earlier wall time.
    """
    local = instant.astimezone(tz)
    naive = local.replace(tzinfo=None, fold=0)
    if local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset():
        repeat = (local.replace(fold=0).utcoffset() or _ZERO) - (local.utcoffset() or _ZERO)
        utc = local.astimezone(UTC)
        start = _transition(utc - repeat - _SECOND, utc, tz)
        end_of_repeat = start + repeat
        naive = end_of_repeat.astimezone(tz).replace(tzinfo=None, fold=0)
    return naive
