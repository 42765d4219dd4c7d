"""A jurisdiction's standards profile as typed, immutable data.

A profile names the city's calendar, every timed standard (by its ID in
REQUIREMENTS.md, e.g. ``PK-ACK-1BD``), the follow-up escalation ladder
(PK-ESC) and the defaults the documents leave to the product (follow-up
date, timeline-change notice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from civicdesk.engines.calendars import BusinessCalendar, Pause, Period, Roll
from civicdesk.engines.standards.conditions import CaseFacts, holds

CASE_KINDS = ("complaint", "service_request", "inquiry", "feedback")
CHANNELS = ("phone", "voicemail", "email", "letter", "fax", "web", "walk_in", "social_media", "open311", "field")
# The event that starts a standard's clock; the domain picks the instant.
ANCHORS = {
    "received": "the contact is received",
    "routed": "the case is routed to the responsible department",
    "anticipated_completion": "the anticipated completion date (the clock runs backwards from it)",
    "call_offered": "the telephone starts ringing",
    "placed_on_hold": "the caller is put on hold",
    "arrived": "the customer arrives at the counter",
    "day_opens": "the office opens for the day",
    "absence_starts": "a staff member's absence starts",
}
# What a case owes under a standard; the matching recorded action meets it (civicdesk.domain.cases).
PURPOSES = {
    "acknowledge": "acknowledge the contact (met by an acknowledgement or a reply)",
    "inspect": "inspect a reported hazard (met by an inspection; only when the case is flagged as a hazard)",
    "respond": "answer the resident (met when the resident is advised)",
    "interim": "send an interim reply (met by any reply to the resident)",
    "callback": "return the call or message (met when the resident is advised)",
    "follow_up": "the department's update by the follow-up date (starts the PK-ESC ladder when missed)",
    "timeline_notice": "tell the resident before an anticipated completion slips",
}
ROLES = ("supervisor", "division_head", "director", "department_head", "cao", "customer_care")
CALENDAR_UNITS = ("minutes", "hours", "days", "weeks")


class ClockKind(StrEnum):
    """The clock kinds of DESIGN.md, "Business-time semantics"."""

    BUSINESS_DAYS = "business_days"
    BUSINESS_HOURS = "business_hours"
    CALENDAR = "calendar"
    SECONDS = "seconds"
    RINGS = "rings"


class Measure(StrEnum):
    DEADLINE = "deadline"  # the target is the time allowed
    THRESHOLD = "threshold"  # the target is how long something must last before the rule applies (PK-OOO)


@dataclass(frozen=True, slots=True)
class ClockRule:
    """How long a standard allows, in one clock kind.

    ``unit`` is only for ``calendar`` clocks; ``before`` runs the clock
    backwards from its anchor (PK-MISS: one week before completion);
    ``roll`` moves a calendar result that lands on a closed day to a
    business day's closing.
    """

    kind: ClockKind
    target: float
    unit: str | None = None
    roll: Roll | None = None
    before: bool = False

    def describe(self) -> str:
        """``1 business day``, ``24 hours (rolled forward to the next business day)``, ``3 rings``."""
        n = int(self.target) if float(self.target).is_integer() else self.target
        plural = "" if n == 1 else "s"
        match self.kind:
            case ClockKind.BUSINESS_DAYS:
                text = f"{n} business day{plural}"
            case ClockKind.BUSINESS_HOURS:
                text = f"{n} business hour{plural}"
            case ClockKind.CALENDAR:
                unit = self.unit or "days"
                text = f"{n} {unit if n != 1 else unit.rstrip('s')}"
            case ClockKind.SECONDS:
                text = f"{n} second{plural}"
            case ClockKind.RINGS:
                text = f"{n} ring{plural}"
        if self.before:
            text += " before"
        if self.roll == "forward":
            text += " (a closed day rolls forward to the next business day's closing)"
        elif self.roll == "backward":
            text += " (a closed day rolls back to the previous business day's closing)"
        return text

    def period(self) -> Period:
        """The calendar clock as a :class:`Period`: days and weeks on the wall clock, minutes and hours elapsed."""
        sign = -1 if self.before else 1
        match self.unit:
            case "weeks":
                return Period(days=sign * int(self.target) * 7)
            case "days":
                return Period(days=sign * int(self.target))
            case "hours":
                return Period(elapsed=sign * timedelta(hours=self.target))
            case _:
                return Period(elapsed=sign * timedelta(minutes=self.target))

    def apply(self, calendar: BusinessCalendar, start: datetime, pauses: tuple[Pause, ...] = ()) -> datetime:
        """The due instant for a clock started at ``start`` on ``calendar``."""
        match self.kind:
            case ClockKind.BUSINESS_DAYS:
                return calendar.add_business_days(start, int(self.target), pauses)
            case ClockKind.BUSINESS_HOURS:
                return calendar.add_business_hours(start, self.target, pauses)
            case ClockKind.CALENDAR:
                return calendar.add_calendar(start, self.period(), self.roll, pauses)
            case ClockKind.SECONDS:
                return calendar.add_seconds(start, self.target, pauses)
            case ClockKind.RINGS:
                return calendar.add_rings(start, int(self.target), pauses)


@dataclass(frozen=True, slots=True)
class Standard:
    """One timed service standard, named by its REQUIREMENTS.md ID.

    Empty ``kinds`` or ``channels`` mean "every kind" / "every channel";
    ``condition`` is one word of :data:`~civicdesk.engines.standards.conditions.CONDITIONS`
    (no condition: the standard always applies).
    """

    id: str
    description: str
    clock: ClockRule
    kinds: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    starts: str = "received"
    measure: Measure = Measure.DEADLINE
    condition: str | None = None
    quote: str | None = None
    purpose: str | None = None

    def applies_to(self, kind: str, channel: str) -> bool:
        return (not self.kinds or kind in self.kinds) and (not self.channels or channel in self.channels)

    def holds_for(self, calendar: BusinessCalendar, facts: CaseFacts) -> bool:
        """Whether this standard's condition is true of a case with ``facts`` (SA-AFTER, PK-HAZARD, PK-MAIL-INTERIM)."""
        return holds(self.condition, calendar=calendar, facts=facts)


@dataclass(frozen=True, slots=True)
class EscalationStep:
    """What happens on the nth follow-up request (PK-ESC): who is copied, when the next request is due."""

    request: int
    next_request: ClockRule
    copy: tuple[str, ...] = ()


# What the department records on a case; the ladder's ``answered_by`` names those that answer a follow-up request.
ANSWERS = {
    "inspected": "the inspection is recorded",
    "action_planned": "the action to be taken and its timeline are recorded",
    "resident_advised": "the resident is advised",
    "work_done": "the work is recorded as done",
    "note": "a note is recorded",
    "timeline_changed": "a new timeline is recorded, with its reason",
}
# How the requests of a new round are counted, once an answer ends the round before.
NEW_ROUND = {
    "restart": "from 1 again: the ladder climbs from its first step",
    "continue": "on from the step reached: a department that lapses again goes on where it stopped",
}
DEFAULT_REQUEST_MESSAGE = (
    "No update has been recorded by the follow-up date. Please record the inspection, the action to be taken "
    "and its timeline, or that the resident was advised."
)


@dataclass(frozen=True, slots=True)
class EscalationLadder:
    """PK-ESC: follow-up requests counted from the follow-up date; later requests copy more senior staff.

    A round of requests runs until the department answers with one of ``answered_by`` (a new timeline or a
    reopening starts a new round too); ``new_round`` says how the next round counts. Requests after the last
    step repeat that step's ``next_request`` clock. ``message`` is the request's text when nobody writes one.
    """

    rule: str
    first_request: str
    steps: tuple[EscalationStep, ...]
    answered_by: frozenset[str] = frozenset(ANSWERS)
    new_round: str = "restart"
    message: str = DEFAULT_REQUEST_MESSAGE

    def answers(self, update: str) -> bool:
        """Whether recording ``update`` answers the pending request and ends the round."""
        return update in self.answered_by

    def step(self, request: int) -> EscalationStep:
        """The step governing request number ``request`` (1-based); past the ladder, the last step."""
        if request < 1:
            raise ValueError(f"follow-up requests are numbered from 1, got {request}")
        return self.steps[min(request, len(self.steps)) - 1]

    def copied_on(self, request: int) -> tuple[str, ...]:
        """Everyone copied on request ``request``: each step's copies stay on later requests."""
        roles: list[str] = []
        for s in self.steps[: min(request, len(self.steps))]:
            roles.extend(r for r in s.copy if r not in roles)
        return tuple(roles)


# Why a case's clocks may pause: the city waits on someone else. A profile names those it allows.
PAUSE_REASONS = {
    "resident": "waiting on the resident (information, photos, a decision)",
    "access": "waiting for access to the property",
    "other_agency": "waiting on another agency or a utility",
    "contractor": "waiting on a contractor or a supplier",
    "season": "waiting for the season or the weather the work needs",
}


@dataclass(frozen=True, slots=True)
class PausePolicy:
    """When a case's clocks may pause and for how long before Customer Care is told it is paused too long."""

    reasons: tuple[str, ...]
    longest: ClockRule


# Where a document is silent, DESIGN.md's product defaults apply.
DEFAULT_FOLLOW_UP = ClockRule(ClockKind.CALENDAR, 14, unit="days", roll="forward")
DEFAULT_TIMELINE_NOTICE = ClockRule(ClockKind.CALENDAR, 7, unit="days", roll="backward", before=True)
DEFAULT_PAUSES = PausePolicy(("resident",), ClockRule(ClockKind.BUSINESS_DAYS, 10))


@dataclass(frozen=True, slots=True)
class Defaults:
    """Clocks the domain uses when a case has no specific standard (PK-FOLLOW, PK-MISS style)."""

    follow_up: ClockRule = DEFAULT_FOLLOW_UP
    timeline_notice: ClockRule = DEFAULT_TIMELINE_NOTICE
    follow_up_rule: str | None = None
    timeline_notice_rule: str | None = None


@dataclass(frozen=True, slots=True)
class Emergency:
    """What a resident and a CSR are told when a case is a hazard or an immediate threat to safety.

    ``notice`` holds the advice by language code ("if anyone is in danger call 911; for downed wires call
    the utility"); the profile's first language is always present.
    """

    notice: dict[str, str]

    def notice_in(self, language: str, fallback: str) -> str:
        return self.notice.get(language) or self.notice.get(language.split("-")[0]) or self.notice[fallback]


@dataclass(frozen=True, slots=True)
class Profile:
    """A jurisdiction's standards: its calendar, its standards by ID, its ladder and defaults."""

    name: str
    title: str
    source: str
    languages: tuple[str, ...]
    calendar: BusinessCalendar
    standards: dict[str, Standard]
    escalation: EscalationLadder | None = None
    defaults: Defaults = field(default_factory=Defaults)
    emergency: Emergency | None = None
    pauses: PausePolicy = DEFAULT_PAUSES
    path: Path | None = None
    warnings: tuple[str, ...] = ()

    def emergency_notice(self, language: str) -> str | None:
        """The emergency advice in ``language`` (else the profile's first language); ``None`` if the profile has none."""
        if self.emergency is None:
            return None
        return self.emergency.notice_in(language, self.languages[0] if self.languages else "en")

    def standard(self, standard_id: str) -> Standard:
        from civicdesk.engines.standards.errors import UnknownStandardError

        try:
            return self.standards[standard_id]
        except KeyError:
            raise UnknownStandardError(self.name, standard_id, tuple(self.standards)) from None

    def standards_for(self, kind: str, channel: str) -> tuple[Standard, ...]:
        """The deadlines owed to a case of this kind arriving on this channel."""
        return tuple(
            s for s in self.standards.values() if s.measure is Measure.DEADLINE and s.applies_to(kind, channel)
        )

    def owed_to(self, kind: str, channel: str, facts: CaseFacts) -> tuple[Standard, ...]:
        """The deadlines owed to one case: :meth:`standards_for` whose condition holds of its facts."""
        return tuple(s for s in self.standards_for(kind, channel) if s.holds_for(self.calendar, facts))
