"""A case's clock state — breached, at risk, due soon, paused, on track — from its clock summary.

Every case carries a summary of its commitments (``next_due_at``, ``owed_since``,
``clocks_paused``, kept in step by every transition), so a state is a range of
indexed columns, never a scan of commitments. Each state is written once below
as a few disjoint ranges; the same ranges give the SQL condition a queue filters
and counts by (:func:`state_condition`, :func:`with_clock_state`) and the state
of one case already in memory (:func:`state_of`), so the two cannot disagree.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet, Value, When

from civicdesk.domain.cases.models import Case, Status
from civicdesk.engines.standards import Profile

# The clock states a queue shows, most urgent first. Each has a text label: never colour alone.
BREACHED, AT_RISK, DUE_SOON, PAUSED, ON_TRACK, NO_CLOCK = (
    "breached",
    "at_risk",
    "due_soon",
    "paused",
    "on_track",
    "none",
)
CLOCK_STATES = (BREACHED, AT_RISK, DUE_SOON, PAUSED, ON_TRACK)

# "At risk": the next commitment falls due within this many business hours; "due soon": within this many
# business days. The one definition the desk, the staff API, docs/staff-guide.md and docs/api.md give.
AT_RISK_BUSINESS_HOURS = 4
DUE_SOON_BUSINESS_DAYS = 1


@dataclass(frozen=True)
class Horizons:
    """Where "at risk" and "due soon" end, in the city's business time, seen from ``now``."""

    now: datetime
    at_risk_until: datetime
    due_soon_until: datetime


def horizons(profile: Profile | None, *, now: datetime) -> Horizons:
    """The horizons at ``now`` in the city's calendar; without a city (a platform administrator), elapsed time."""
    if profile is None:
        return Horizons(
            now, now + timedelta(hours=AT_RISK_BUSINESS_HOURS), now + timedelta(days=DUE_SOON_BUSINESS_DAYS)
        )
    calendar = profile.calendar
    return Horizons(
        now,
        calendar.add_business_hours(now, AT_RISK_BUSINESS_HOURS),
        calendar.add_business_days(now, DUE_SOON_BUSINESS_DAYS),
    )


def business_days_between(profile: Profile, *, since: datetime, until: datetime) -> int:
    """Business days from ``since``'s local day (exclusive) to ``until``'s (inclusive): "3 business days overdue"."""
    calendar = profile.calendar
    first, last = calendar.local_date(since), calendar.local_date(until)
    if last <= first:
        return 0
    return (last - first).days - len(calendar.closed_days(first + timedelta(days=1), last))


# One range of the clock summary: Django lookups that all hold, e.g. (("next_due_at__lt", now),).
Range = tuple[tuple[str, Any], ...]


def ranges(state: str, h: Horizons) -> list[Range]:
    """A clock state as disjoint ranges of the clock summary (each one index range: an OR makes databases scan).

    Breached: a missed standard whose action is still owed, or a pending one
    past due. The others need nothing owed: at risk and due soon by when the
    next pending commitment falls due, then paused or on track for the rest.
    """
    owed = ("owed_since__isnull", False)
    not_owed = ("owed_since__isnull", True)
    later: list[Range] = [(("next_due_at__isnull", True),), (("next_due_at__gt", h.due_soon_until),)]
    table: dict[str, list[Range]] = {
        BREACHED: [(owed,), (not_owed, ("next_due_at__lt", h.now))],
        AT_RISK: [(not_owed, ("next_due_at__gte", h.now), ("next_due_at__lte", h.at_risk_until))],
        DUE_SOON: [(not_owed, ("next_due_at__gt", h.at_risk_until), ("next_due_at__lte", h.due_soon_until))],
        PAUSED: [(not_owed, ("clocks_paused", True), *part) for part in later],
        ON_TRACK: [(not_owed, ("clocks_paused", False), *part) for part in later],
    }
    return table[state]


def state_parts(state: str, h: Horizons) -> list[Q]:
    """:func:`ranges` as ORM conditions, for counting a state one index range at a time."""
    return [Q(*part) for part in ranges(state, h)]


def state_condition(state: str, h: Horizons) -> Q:
    """The cases in one clock state, as a condition on the case's clock summary (indexed: no commitment scan)."""
    return reduce(operator.or_, state_parts(state, h))


def with_clock_state(cases: QuerySet[Case], h: Horizons) -> QuerySet[Case]:
    """Annotate ``clock_state``: :data:`NO_CLOCK` once closed, else one of :data:`CLOCK_STATES`."""
    return cases.annotate(
        clock_state=models.Case(
            When(Q(status=Status.CLOSED), then=Value(NO_CLOCK)),
            *[When(state_condition(state, h), then=Value(state)) for state in CLOCK_STATES],
            default=Value(ON_TRACK),
            output_field=models.CharField(),
        )
    )


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


def _within(part: Range, summary: Mapping[str, Any]) -> bool:
    """Whether ``summary`` lies in ``part``, with SQL's rule that a comparison with NULL is never true."""
    for lookup, wanted in part:
        name, _, op = lookup.partition("__")
        value = summary[name]
        if op == "isnull":
            holds = (value is None) is wanted
        elif op:
            holds = value is not None and _COMPARE[op](value, wanted)
        else:
            holds = value == wanted
        if not holds:
            return False
    return True


def state_of(case: Case, h: Horizons) -> str:
    """The clock state of one case from its clock summary in memory: what :func:`with_clock_state` gives in SQL."""
    if case.status == Status.CLOSED:
        return NO_CLOCK
    summary = {"next_due_at": case.next_due_at, "owed_since": case.owed_since, "clocks_paused": case.clocks_paused}
    for state in CLOCK_STATES:
        if any(_within(part, summary) for part in ranges(state, h)):
            return state
    return ON_TRACK
