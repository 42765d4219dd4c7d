"""The vectorised (numpy) path returns exactly the scalar path's due dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicdesk.engines.calendars import AnnualDate, AnnualRange, Closure, EveryNWeeks, FixedDate, NaiveDatetimeError
from civicdesk.engines.calendars.vectorised import (
    add_business_days_many,
    business_day_closings,
    from_instants,
    to_instants,
)
from tests.calendars.calendar_cases import instants, pickering_like, split_shift_dst

CALENDARS = [
    pickering_like(),
    split_shift_dst(),
    pickering_like(
        time_zone="America/Los_Angeles",
        closures=(
            Closure("9/80 Friday", EveryNWeeks(date(2017, 1, 13), 2)),
            Closure("Year end", AnnualRange(AnnualDate(12, 24), AnnualDate(1, 1))),
            Closure("Early close", FixedDate(date(2027, 12, 23)), closed_from=12 * 3600),
        ),
    ),
]


@settings(max_examples=60, deadline=None)
@given(
    which=st.integers(0, len(CALENDARS) - 1),
    starts=st.lists(instants, min_size=1, max_size=50),
    n=st.lists(st.integers(0, 40), min_size=50, max_size=50),
    via=st.sampled_from(["index", "busday_offset"]),
)
def test_vectorised_equals_scalar(which: int, starts: list[datetime], n: list[int], via: str) -> None:
    cal = CALENDARS[which]
    offsets = np.array(n[: len(starts)])
    got = from_instants(add_business_days_many(cal, to_instants(starts), offsets, via=via), cal)  # type: ignore[arg-type]
    expected = [cal.add_business_days(s, int(k)) for s, k in zip(starts, offsets, strict=True)]
    assert [g.astimezone(UTC) for g in got] == [e.astimezone(UTC) for e in expected]


def test_vectorised_around_every_local_midnight_and_dst_change() -> None:
    cal = CALENDARS[1]
    base = datetime(2026, 3, 6, tzinfo=UTC)
    starts = [base + timedelta(minutes=15 * i) for i in range(4 * 24 * 250)]  # every 15 minutes for 250 days
    got = add_business_days_many(cal, to_instants(starts), 3)
    expected = to_instants([cal.add_business_days(s, 3) for s in starts])
    assert np.array_equal(got, expected)


def test_vectorised_index_agrees_with_numpy_busday_offset_over_a_decade() -> None:
    cal = CALENDARS[2]
    rng = np.random.default_rng(3)
    start = np.datetime64("2024-01-01T00:00", "us").astype(np.int64)
    us = start + rng.integers(0, 9 * 365 * 86_400_000_000, 200_000)
    offsets = rng.integers(0, 31, us.size)
    a = add_business_days_many(cal, us.astype("datetime64[us]"), offsets, via="index")
    b = add_business_days_many(cal, us.astype("datetime64[us]"), offsets, via="busday_offset")
    assert np.array_equal(a, b)


def test_vectorised_of_nothing_is_empty() -> None:
    assert add_business_days_many(CALENDARS[0], np.array([], dtype="datetime64[us]"), 1).size == 0


@settings(max_examples=60, deadline=None)
@given(which=st.integers(0, len(CALENDARS) - 1), starts=st.lists(instants, max_size=50), n=st.integers(0, 40))
def test_business_day_closings_are_the_scalar_paths_datetimes(which: int, starts: list[datetime], n: int) -> None:
    cal = CALENDARS[which]
    got = business_day_closings(cal, [s.astimezone(cal.tz) if n % 2 else s for s in starts], n)
    expected = [cal.add_business_days(s, n) for s in starts]
    assert [g.isoformat() for g in got] == [e.isoformat() for e in expected]  # same instant, same zone


def test_a_naive_instant_is_refused_by_its_position() -> None:
    starts = [datetime(2026, 3, 6, 12, tzinfo=UTC), datetime(2026, 3, 6, 12)]  # noqa: DTZ001 — the mistake under test
    with pytest.raises(NaiveDatetimeError, match="instant 1 has no time zone"):
        to_instants(starts)
