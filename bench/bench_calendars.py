"""Business-day due dates: civicdesk's scalar and vectorised paths beside numpy, holidays, workalendar, businesstime.

Run: ``python bench/bench_calendars.py`` (figures are per call / per second on this machine;
compare them as ratios within one run). Targets (DESIGN.md): <= 5 us per scalar due date,
>= 10 M due dates/s in batch. ``standards.due_many`` (the standards engine's batch API:
datetimes in, datetimes out) is measured beside ``due()`` one by one and numpy's
``busday_offset`` on the same starts.

Every contender answers the nearest equivalent of "due N business days after a receipt"
in Pickering (Mon-Fri, Ontario holidays); only civicdesk also gives the closing instant
in the right zone, DST-correct, with the city's own holiday list.
"""

from __future__ import annotations

import itertools
import sys
import time
import timeit
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import numpy as np

from civicdesk.engines.calendars.vectorised import add_business_days_many
from civicdesk.engines.standards import due, due_many, load_profile

N_BATCH = 2_000_000
N_MANY = 200_000  # due_many takes and gives Python datetimes: fewer, so the run stays short
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TORONTO = ZoneInfo("America/Toronto")


def per_call(fn: Callable[[], object], number: int) -> float:
    """Best of 5 runs, microseconds per call."""
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def per_second(fn: Callable[[], object], items: int) -> float:
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return items / best


def main() -> int:
    profile = load_profile("pickering")
    cal = profile.calendar
    start_local = datetime(2026, 7, 31, 10, 0, tzinfo=TORONTO)
    start_utc = start_local.astimezone(UTC)
    cal.add_business_days(start_local, 5)  # warm the per-year tables once, as a running server would

    rng = np.random.default_rng(2026)
    first_us = np.datetime64("2024-01-01T00:00", "us").astype(np.int64)
    starts = (first_us + rng.integers(0, 9 * 365 * 86_400_000_000, N_BATCH)).astype("datetime64[us]")
    offsets = rng.integers(0, 31, N_BATCH)
    add_business_days_many(cal, starts, offsets)  # warm
    # The same starts as aware datetimes, as the database gives them to the recompute.
    many_starts = [EPOCH + timedelta(microseconds=int(us)) for us in starts[:N_MANY].astype(np.int64)]
    many_days = starts[:N_MANY].astype("datetime64[D]")
    target = int(profile.standard("PK-EMAIL-ACK").clock.target)

    # numpy's floor: the business day only (no time zone, no closing instant).
    t = cal.tables(2023, 2034)
    weekmask = np.array(cal.spec.hours.weekmask)
    closed = np.array(
        [s.day for s in t.statuses if not s.is_business_day and weekmask[s.day.weekday()]], dtype="datetime64[D]"
    )
    busdaycal = np.busdaycalendar(weekmask=weekmask, holidays=closed)
    local_days = starts.astype("datetime64[D]")
    np_day = np.datetime64("2026-07-31")

    # A plain loop over the holidays package: walk day by day.
    ontario = holidays.country_holidays("CA", subdiv="ON", years=range(2023, 2035), language="en_CA")

    receipt_day = start_local.date()

    def holidays_loop(n: int = 5) -> date:
        d, counted = receipt_day, 0
        while counted < n:
            d += timedelta(days=1)
            if d.weekday() < 5 and d not in ontario:
                counted += 1
        return d

    from businesstime import BusinessTime
    from workalendar.america import Ontario

    workalendar_cal = Ontario()
    workalendar_cal.add_working_days(start_local.date(), 5)  # warm its holiday cache
    bt = BusinessTime(holidays=sorted(datetime.combine(d, datetime.min.time()) for d in ontario))

    def businesstime_nth(n: int = 5) -> datetime:
        d0 = datetime.combine(start_local.date() + timedelta(days=1), datetime.min.time())
        return next(itertools.islice(bt.iterbusinessdays(d0, d0 + timedelta(days=60)), n - 1, None))

    rows = [
        (
            "civicdesk scalar add_business_days (start in zone)",
            per_call(lambda: cal.add_business_days(start_local, 5), 200_000),
            None,
        ),
        (
            "civicdesk scalar add_business_days (start in UTC)",
            per_call(lambda: cal.add_business_days(start_utc, 5), 200_000),
            None,
        ),
        (
            "civicdesk due() with explanation (skipped days)",
            per_call(lambda: due(profile, "PK-EMAIL-ACK", start_local), 20_000),
            None,
        ),
        (
            "numpy.busday_offset, one date (floor, day only)",
            per_call(lambda: np.busday_offset(np_day, 5, roll="backward", busdaycal=busdaycal), 200_000),
            None,
        ),
        ("loop over holidays (day only)", per_call(holidays_loop, 100_000), None),
        (
            "workalendar Ontario.add_working_days (day only)",
            per_call(lambda: workalendar_cal.add_working_days(start_local.date(), 5), 20_000),
            None,
        ),
        ("businesstime iterbusinessdays (day only)", per_call(businesstime_nth, 5_000), None),
        (
            "civicdesk batch (index), instants in -> closing instants",
            None,
            per_second(lambda: add_business_days_many(cal, starts, offsets), N_BATCH),
        ),
        (
            "civicdesk batch (via busday_offset)",
            None,
            per_second(lambda: add_business_days_many(cal, starts, offsets, via="busday_offset"), N_BATCH),
        ),
        (
            "numpy.busday_offset, array of dates (floor, day only)",
            None,
            per_second(lambda: np.busday_offset(local_days, offsets, roll="backward", busdaycal=busdaycal), N_BATCH),
        ),
        # The standards engine's batch API against due() one by one and numpy, on the same PK-EMAIL-ACK starts.
        (
            "standards.due_many, PK-EMAIL-ACK (datetimes in and out)",
            None,
            per_second(lambda: due_many(profile, "PK-EMAIL-ACK", many_starts), N_MANY),
        ),
        (
            "standards.due() one by one, same starts (with explanation)",
            None,
            per_second(lambda: [due(profile, "PK-EMAIL-ACK", s) for s in many_starts[:20_000]], 20_000),
        ),
        (
            "numpy.busday_offset, same starts (floor, day only)",
            None,
            per_second(lambda: np.busday_offset(many_days, target, roll="backward", busdaycal=busdaycal), N_MANY),
        ),
    ]
    print(
        f"business-day due dates, Pickering calendar, python {sys.version.split()[0]}, numpy {np.__version__}, holidays {holidays.__version__}"
    )
    print(f"{'contender':<58} {'us/call':>9} {'M/s':>9}")
    for name, us, rate in rows:
        us_text = f"{us:9.2f}" if us is not None else f"{'':>9}"
        rate_text = f"{rate / 1e6:9.2f}" if rate is not None else f"{1 / us:9.2f}" if us else ""
        print(f"{name:<58} {us_text} {rate_text}")
    scalar, batch = rows[0][1] or 0.0, rows[7][2] or 0.0
    print(
        f"targets: scalar <= 5 us: {'met' if scalar <= 5 else 'MISSED'} ({scalar:.2f} us); batch >= 10 M/s: {'met' if batch >= 10e6 else 'MISSED'} ({batch / 1e6:.1f} M/s)"
    )
    many, one_by_one, floor = rows[10][2] or 0.0, rows[11][2] or 0.0, rows[12][2] or 1.0
    print(
        f"due_many: {many / one_by_one:.0f}x due() one by one, {many / floor:.2f}x numpy.busday_offset on the same starts"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
