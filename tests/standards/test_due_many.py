"""``due_many`` gives every clock of a standard the instant ``due`` gives it one by one, on every shipped profile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicdesk.engines.calendars import CalendarError, Pause
from civicdesk.engines.standards import Measure, StandardsError, due, due_many, load_profile, shipped_profiles

# Hypothesis takes naive bounds and attaches the zone itself.
FIRST = datetime(2024, 1, 1, tzinfo=UTC).replace(tzinfo=None)
LAST = datetime(2032, 12, 31, tzinfo=UTC).replace(tzinfo=None)


def deadlines(name: str) -> list[str]:
    return sorted(sid for sid, s in load_profile(name).standards.items() if s.measure is Measure.DEADLINE)


def test_the_five_shipped_profiles_are_all_checked() -> None:
    assert len(shipped_profiles()) == 5
    assert all(deadlines(name) for name in shipped_profiles())


@pytest.mark.parametrize("name", shipped_profiles())
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_due_many_equals_due_one_by_one(name: str, data: st.DataObject) -> None:
    profile = load_profile(name)
    standard_id = data.draw(st.sampled_from(deadlines(name)), label="standard")
    zones = st.sampled_from([UTC, ZoneInfo(profile.calendar.spec.time_zone)])
    starts = data.draw(st.lists(st.datetimes(FIRST, LAST, timezones=zones), max_size=40), label="starts")
    # Some clocks paused for a while after they started; a clock that runs backwards cannot be paused.
    pause_at = (
        st.none() if profile.standard(standard_id).clock.before else st.one_of(st.none(), st.integers(0, 6 * 24 * 60))
    )
    plans = data.draw(st.lists(st.tuples(pause_at, st.integers(1, 10 * 24 * 60)), min_size=40, max_size=40))
    pauses: list[tuple[Pause, ...]] = [
        () if after is None else ((start + timedelta(minutes=after), start + timedelta(minutes=after + length)),)
        for start, (after, length) in zip(starts, plans, strict=False)
    ]

    got = due_many(profile, standard_id, starts, pauses=pauses)
    expected = [due(profile, standard_id, start, paused).due_at for start, paused in zip(starts, pauses, strict=True)]
    assert [g.isoformat() for g in got] == [e.isoformat() for e in expected]  # same instant, same zone

    unpaused = due_many(profile, standard_id, starts)
    assert [g.isoformat() for g in unpaused] == [
        due(profile, standard_id, start).due_at.isoformat() for start in starts
    ]


def test_pk_ack_business_day_clocks_over_a_decade_of_receipts() -> None:
    """PK-ACK-1BD for a receipt every 7 hours 2024-2032: the vectorised answers are the scalar ones."""
    pickering = load_profile("pickering")
    first = datetime(2024, 1, 1, tzinfo=UTC)
    starts = [first + timedelta(hours=7 * i) for i in range(11_000)]
    assert due_many(pickering, "PK-ACK-1BD", starts) == [due(pickering, "PK-ACK-1BD", s).due_at for s in starts]


def test_nothing_in_nothing_out() -> None:
    assert due_many(load_profile("pickering"), "PK-ACK-1BD", []) == []


def test_a_threshold_has_no_due_date() -> None:
    pickering = load_profile("pickering")
    threshold = next(sid for sid, s in pickering.standards.items() if s.measure is Measure.THRESHOLD)
    with pytest.raises(StandardsError, match="threshold"):
        due_many(pickering, threshold, [datetime(2026, 3, 3, 10, tzinfo=UTC)])


def test_one_list_of_pauses_per_start() -> None:
    with pytest.raises(StandardsError, match="one per start"):
        due_many(load_profile("pickering"), "PK-ACK-1BD", [datetime(2026, 3, 3, 10, tzinfo=UTC)], pauses=[])


def test_a_naive_start_is_refused() -> None:
    naive = datetime(2026, 3, 3, 10)  # noqa: DTZ001 — the mistake under test
    with pytest.raises(CalendarError, match="no time zone"):
        due_many(load_profile("pickering"), "PK-ACK-1BD", [naive])
