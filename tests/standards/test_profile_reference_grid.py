"""An independent, slow, obviously-correct reference agrees with the engine on a broad grid (issue 3).

The reference reads each shipped profile's raw TOML itself, asks the
``holidays`` package directly, and walks day by day (business days) or minute
by minute (business hours). It shares no code with civicdesk.engines.calendars.
"""

from __future__ import annotations

import calendar as cal_module
import tomllib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pytest

from civicdesk.engines.calendars.vectorised import add_business_days_many
from civicdesk.engines.standards import load_profile

PROFILES = Path(__file__).resolve().parents[2] / "src" / "civicdesk" / "engines" / "standards" / "profiles"
NAMES = ["pickering", "lawrence", "pittsburg", "miami-beach", "santa-ana"]
FIRST, LAST = date(2024, 1, 1), date(2032, 12, 31)
WEEKDAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = [m.lower() for m in cal_module.month_name]
NTH = {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1}
TIMES_OF_DAY = [time(0, 0), time(7, 59), time(12, 34), time(16, 59), time(23, 59)]


def _rule_dates(rule: str, year: int) -> list[date]:
    """'fourth friday of october', 'day after fourth thursday of november' — done with calendar.monthcalendar."""
    words = rule.split()
    shift = 0
    if words[:2] == ["day", "after"]:
        shift, words = 1, words[2:]
    nth, weekday, _, month = words
    m = MONTHS.index(month)
    days = [week[WEEKDAY_NAMES.index(weekday)] for week in cal_module.monthcalendar(year, m)]
    days = [d for d in days if d]
    return [date(year, m, days[NTH[nth]]) + timedelta(days=shift)]


class Reference:
    def __init__(self, name: str) -> None:
        raw: dict[str, Any] = tomllib.loads((PROFILES / f"{name}.toml").read_text())
        c = raw["calendar"]
        self.tz = ZoneInfo(c["time_zone"])
        self.hours = {i: [tuple(s.split("-")) for s in c["hours"].get(n, [])] for i, n in enumerate(WEEKDAY_NAMES)}
        years = range(FIRST.year - 2, LAST.year + 3)
        self.closed: set[date] = set()
        h = c["holidays"]
        entity = holidays.country_holidays(h["country"], subdiv=h["subdivision"])
        package = holidays.country_holidays(
            h["country"],
            subdiv=h["subdivision"],
            years=years,
            categories=entity.supported_categories,
            language=h["language"],
        )
        for d in package:
            if any(n.replace(" (observed)", "") in h["keep"] for n in package.get_list(d)):
                self.closed.add(d)
        for add in h.get("add", []):
            for y in years:
                self.closed.update(_rule_dates(add["rule"], y))
        for closure in c.get("closures", []):
            if "every_weeks" in closure:
                d = closure["starting"]
                while d.year <= years[-1]:
                    self.closed.add(d)
                    d += timedelta(weeks=closure["every_weeks"])
            else:  # "december 24" to "january 1"
                m1, d1 = closure["from"].split()
                m2, d2 = closure["to"].split()
                for y in years:
                    d = date(y, MONTHS.index(m1), int(d1))
                    while d <= date(y + 1, MONTHS.index(m2), int(d2)):
                        self.closed.add(d)
                        d += timedelta(days=1)

    def is_business_day(self, d: date) -> bool:
        return bool(self.hours[d.weekday()]) and d not in self.closed

    def closing(self, d: date) -> datetime:
        hh, mm = self.hours[d.weekday()][-1][1].split(":")
        return datetime.combine(d, time(int(hh), int(mm)), tzinfo=self.tz)

    def business_days_from(self, d0: date, count: int) -> list[date]:
        """Day 0 rolled back to a business day, then the next ``count`` business days, walking one day at a time."""
        d = d0
        while not self.is_business_day(d):
            d -= timedelta(days=1)
        days = [d]
        while len(days) <= count:
            d += timedelta(days=1)
            if self.is_business_day(d):
                days.append(d)
        return days

    def is_open(self, instant: datetime) -> bool:
        local = instant.astimezone(self.tz)
        if not self.is_business_day(local.date()):
            return False
        hm = local.strftime("%H:%M")
        return any(a <= hm < b for a, b in self.hours[local.weekday()])

    def add_business_hours(self, start: datetime, minutes: int) -> datetime:
        """Walk minute by minute (whole-minute starts), jumping over closed days."""
        t = start.astimezone(UTC)
        while minutes > 0 or not self.is_open(t):
            local = t.astimezone(self.tz)
            if not self.is_business_day(local.date()):
                next_day = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=self.tz)
                t = next_day.astimezone(UTC)
                continue
            if self.is_open(t):
                minutes -= 1
                if minutes == 0:
                    return t + timedelta(minutes=1)
            t += timedelta(minutes=1)
        return t


def _micros(d: datetime) -> int:
    return (d - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


@pytest.mark.parametrize("name", NAMES)
def test_business_days_grid_agrees_with_reference(name: str) -> None:
    """Every start date 2024-2032 x offsets 0-30 x 5 times of day (vectorised path), plus a scalar sample."""
    ref = Reference(name)
    calendar = load_profile(name).calendar
    days = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
    starts = [datetime.combine(d, t, tzinfo=ref.tz) for d in days for t in TIMES_OF_DAY]
    start_us = np.array([_micros(s) for s in starts], dtype=np.int64).astype("datetime64[us]")
    expected = np.empty((len(days), 31), dtype=np.int64)
    for i, d in enumerate(days):
        walk = ref.business_days_from(d, 30)
        expected[i] = [_micros(ref.closing(x)) for x in walk]
    for n in range(31):
        got = add_business_days_many(calendar, start_us, n).astype(np.int64)
        want = np.repeat(expected[:, n], len(TIMES_OF_DAY))
        bad = np.nonzero(got != want)[0]
        assert bad.size == 0, f"{name} +{n}: first disagreement at {starts[bad[0]]}"
    for i in range(0, len(days), 11):
        for n in (0, 1, 2, 5, 10, 15, 30):
            start = datetime.combine(days[i], TIMES_OF_DAY[i % len(TIMES_OF_DAY)], tzinfo=ref.tz)
            assert _micros(calendar.add_business_days(start, n)) == expected[i, n], (name, start, n)


@pytest.mark.parametrize("name", NAMES)
def test_business_hours_sample_agrees_with_minute_walk(name: str) -> None:
    ref = Reference(name)
    calendar = load_profile(name).calendar
    rng = np.random.default_rng(sum(map(ord, name)))
    span_minutes = (LAST - FIRST).days * 24 * 60
    first = datetime.combine(FIRST, time(0), tzinfo=UTC)
    for minute in rng.integers(0, span_minutes, 40):
        start = first + timedelta(minutes=int(minute))
        for hours in (0, 1, 4, 12):
            want = ref.add_business_hours(start, hours * 60)
            got = calendar.add_business_hours(start, hours)
            assert got.astimezone(UTC) == want, (name, start, hours)
