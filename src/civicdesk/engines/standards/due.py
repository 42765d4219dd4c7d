"""Due dates with their explanation, and the PK-ESC follow-up ladder.

``due(profile, "PK-ACK-1BD", received_at)`` gives the instant, the calendar
version that computed it, when the clock started, and every day it skipped
and why, so a resident or a clerk can check the arithmetic.
``due_many(profile, "PK-ACK-1BD", starts)`` gives the same instants for many
clocks at once, without the explanations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from civicdesk.engines.calendars import BusinessCalendar, Pause
from civicdesk.engines.calendars.vectorised import business_day_closings
from civicdesk.engines.calendars.zones import require_aware
from civicdesk.engines.standards.errors import StandardsError
from civicdesk.engines.standards.model import ClockKind, ClockRule, Measure, Profile, Standard


@dataclass(frozen=True, slots=True)
class SkippedDay:
    """A day the clock did not count: ``kind`` is weekend, holiday, closure or paused."""

    day: date
    kind: str
    name: str

    @property
    def reason(self) -> str:
        """``weekend``, ``holiday: Civic Holiday``, ``closure: 9/80 closed Friday`` or ``clock paused``."""
        if self.kind == "paused":
            return "clock paused"
        return self.kind if self.kind == "weekend" else f"{self.kind}: {self.name}"

    def as_dict(self) -> dict[str, str]:
        return {"date": self.day.isoformat(), "reason": self.reason, "kind": self.kind, "name": self.name}


@dataclass(frozen=True, slots=True)
class DueDate:
    """When a standard falls due for one clock, and why then."""

    standard: str
    clock: ClockRule
    received_at: datetime
    started_at: datetime
    due_at: datetime
    calendar_version: str
    received_outside_hours: bool
    skipped: tuple[SkippedDay, ...]
    paused: tuple[Pause, ...] = ()
    anchor: str = "received"  # what ``received_at`` is: the event the standard's clock starts from (ANCHORS)

    def as_dict(self) -> dict[str, Any]:
        return {
            "standard": self.standard,
            "due_at": self.due_at.isoformat(),
            "received_at": self.received_at.isoformat(),
            "anchor": self.anchor,
            "started_at": self.started_at.isoformat(),
            "received_outside_hours": self.received_outside_hours,
            "clock": {"kind": self.clock.kind.value, "target": self.clock.target, "describe": self.clock.describe()},
            "calendar_version": self.calendar_version,
            "skipped": [s.as_dict() for s in self.skipped],
            "paused": [{"from": a.isoformat(), "to": b.isoformat()} for a, b in self.paused],
        }

    def explain(self) -> list[str]:
        """Clerk-readable lines: target, receipt, clock start, skipped days."""
        lines = [f"{self.standard}: {self.clock.describe()}"]
        # The clock's start is named as what it is: a PK-MISS notice counts back from the anticipated completion.
        event = ANCHOR_WORDS.get(self.anchor, self.anchor.replace("_", " "))
        received = f"{event} {self.received_at.isoformat()} ({self.received_at:%A})"
        if self.clock.kind is ClockKind.BUSINESS_DAYS:
            received += ", day 0"
        if self.received_outside_hours:
            received += ", outside opening hours"
        lines.append(received)
        if self.started_at != self.received_at:
            lines.append(f"clock started {self.started_at.isoformat()} (next opening)")
        for a, b in self.paused:
            lines.append(f"paused {a.isoformat()} to {b.isoformat()}")
        lines.extend(f"skipped {s.day.isoformat()} ({s.day:%A}): {s.reason}" for s in self.skipped)
        lines.append(f"due {self.due_at.isoformat()} ({self.due_at:%A %d %B %Y %H:%M %Z})")
        lines.append(f"calendar version {self.calendar_version}")
        return lines


ANCHOR_WORDS = {
    "received": "received",
    "routed": "routed",
    "anticipated_completion": "anticipated completion",
    "call_offered": "call offered",
    "placed_on_hold": "put on hold",
    "arrived": "arrived",
    "day_opens": "office opened",
    "absence_starts": "absence starts",
}


def _closed(calendar: BusinessCalendar, first: date, last: date) -> list[SkippedDay]:
    return [SkippedDay(s.day, s.kind.value, s.name) for s in calendar.closed_days(first, last)]


def _paused_days(
    calendar: BusinessCalendar, first: date, last: date, pauses: Sequence[Pause], kind: ClockKind
) -> list[SkippedDay]:
    """Business days in [first, last] the pauses took out of the count."""
    spans = [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in pauses]
    out = []
    day = first
    while day <= last:
        status = calendar.day_status(day)
        if status.is_business_day:
            if kind is ClockKind.BUSINESS_DAYS:
                closes = status.openings[-1][1]
                paused = any(a <= closes < b for a, b in spans)
            else:
                paused = all(any(a <= oa and ob <= b for a, b in spans) for oa, ob in status.openings)
            if paused:
                out.append(SkippedDay(day, "paused", status.name))
        day += timedelta(days=1)
    return out


def explain_clock(
    calendar: BusinessCalendar,
    rule: ClockRule,
    start: datetime,
    pauses: Sequence[Pause] = (),
    *,
    standard: str = "",
    anchor: str = "received",
) -> DueDate:
    """Apply a clock rule and explain the result (``due`` for a standard; the ladder for its steps)."""
    require_aware(start, "start")
    pauses = tuple(pauses)
    received = start.astimezone(calendar.tz)
    due_at = rule.apply(calendar, start, pauses)
    outside = not calendar.is_open(start)
    started = received
    skipped: list[SkippedDay] = []
    d0, due_day = received.date(), due_at.date()
    match rule.kind:
        case ClockKind.BUSINESS_DAYS:
            skipped = _closed(calendar, d0 + timedelta(days=1), due_day - timedelta(days=1))
            if pauses:
                skipped += _paused_days(
                    calendar, d0 + timedelta(days=1), due_day - timedelta(days=1), pauses, rule.kind
                )
        case ClockKind.BUSINESS_HOURS:
            started = calendar.next_opening(start, pauses)
            skipped = _closed(calendar, d0, due_day - timedelta(days=1))
            if pauses:
                skipped += _paused_days(calendar, d0, due_day - timedelta(days=1), pauses, rule.kind)
        case ClockKind.CALENDAR if rule.roll is not None:
            raw = calendar.add_calendar(start, rule.period(), None, pauses).date()
            if raw < due_day:
                skipped = _closed(calendar, raw, due_day - timedelta(days=1))
            elif raw > due_day:
                skipped = _closed(calendar, due_day + timedelta(days=1), raw)
        case _:
            pass
    skipped.sort(key=lambda s: s.day)
    return DueDate(
        standard=standard,
        clock=rule,
        received_at=received,
        started_at=started,
        due_at=due_at,
        calendar_version=calendar.version,
        received_outside_hours=outside,
        skipped=tuple(skipped),
        paused=pauses,
        anchor=anchor,
    )


def _deadline(profile: Profile, standard_id: str) -> Standard:
    standard: Standard = profile.standard(standard_id)
    if standard.measure is Measure.THRESHOLD:
        raise StandardsError(
            f"{standard_id} is a threshold ({standard.clock.describe()} before the rule applies), not a deadline"
        )
    return standard


def due(profile: Profile, standard_id: str, start: datetime, pauses: Sequence[Pause] = ()) -> DueDate:
    """When ``standard_id`` falls due for a clock started at ``start`` (paused over ``pauses``), explained."""
    standard = _deadline(profile, standard_id)
    return explain_clock(profile.calendar, standard.clock, start, pauses, standard=standard.id, anchor=standard.starts)


def due_many(
    profile: Profile,
    standard_id: str,
    starts: Sequence[datetime],
    *,
    pauses: Sequence[Sequence[Pause]] | None = None,
) -> list[datetime]:
    """``[due(profile, standard_id, start, pauses).due_at …]`` for many clocks of one standard, found at once.

    ``pauses``, if given, holds each start's pauses. Business-day clocks that
    were never paused are looked up together on the calendar's tables
    (:mod:`civicdesk.engines.calendars.vectorised`); the other clock kinds,
    and paused clocks, take the scalar path. No explanation is built.
    """
    standard = _deadline(profile, standard_id)
    calendar, rule = profile.calendar, standard.clock
    if pauses is not None and len(pauses) != len(starts):
        raise StandardsError(f"{len(starts)} starts but {len(pauses)} lists of pauses; give one per start")

    def scalar(i: int) -> datetime:
        return rule.apply(calendar, starts[i], tuple(pauses[i]) if pauses else ())

    if rule.kind is not ClockKind.BUSINESS_DAYS:
        return [scalar(i) for i in range(len(starts))]
    paused = {i for i in range(len(starts)) if pauses and pauses[i]}
    unpaused = [start for i, start in enumerate(starts) if i not in paused]
    together = iter(business_day_closings(calendar, unpaused, int(rule.target)))
    return [scalar(i) if i in paused else next(together) for i in range(len(starts))]


@dataclass(frozen=True, slots=True)
class LadderRequest:
    """One request of the PK-ESC ladder as the profile schedules it: its number, when it is due, who is copied.

    The request a case actually sends is a ``FollowUpRequest`` row in ``civicdesk.domain.cases``.
    """

    number: int
    due_at: datetime
    copy: tuple[str, ...]
    copied: tuple[str, ...]


def next_follow_up_request(profile: Profile, number: int, sent_at: datetime) -> LadderRequest:
    """Request ``number`` was sent at ``sent_at`` with no update recorded: the next request (PK-ESC)."""
    ladder = profile.escalation
    if ladder is None:
        raise StandardsError(f"profile {profile.name!r} has no escalation ladder")
    due_at = ladder.step(number).next_request.apply(profile.calendar, sent_at)
    nxt = number + 1
    step = ladder.steps[nxt - 1] if nxt <= len(ladder.steps) else None
    return LadderRequest(nxt, due_at, step.copy if step else (), ladder.copied_on(nxt))


def escalation_schedule(profile: Profile, follow_up_at: datetime, requests: int = 6) -> tuple[LadderRequest, ...]:
    """PK-ESC: the dates of follow-up requests 1..``requests`` if no update is ever recorded.

    Request 1 goes out on the follow-up date; each later request is due by
    the previous step's ``next_request`` clock.
    """
    ladder = profile.escalation
    if ladder is None:
        raise StandardsError(f"profile {profile.name!r} has no escalation ladder")
    require_aware(follow_up_at, "follow-up date")
    first = LadderRequest(1, follow_up_at.astimezone(profile.calendar.tz), ladder.steps[0].copy, ladder.copied_on(1))
    out = [first]
    while len(out) < requests:
        out.append(next_follow_up_request(profile, out[-1].number, out[-1].due_at))
    return tuple(out)


__all__ = [
    "DueDate",
    "LadderRequest",
    "SkippedDay",
    "due",
    "due_many",
    "escalation_schedule",
    "explain_clock",
    "next_follow_up_request",
]
