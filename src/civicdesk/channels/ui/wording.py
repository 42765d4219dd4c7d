"""How the desk and the portal say a standard's clock, and the promise made at intake, in the reader's language.

``ClockRule.describe()`` is English for logs and clerks; these translate the
same facts ("1 business day", "2 weeks") for pages residents and staff read.
What is promised is the read model's (:func:`standing.promised_at_intake`);
this module only words it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import ngettext

from civicdesk.domain.cases import standing
from civicdesk.engines.standards import ClockKind, ClockRule, Profile


def describe_clock(rule: ClockRule) -> str:
    n = int(rule.target) if float(rule.target).is_integer() else rule.target
    count = int(n)
    match rule.kind:
        case ClockKind.BUSINESS_DAYS:
            return ngettext("%(n)s business day", "%(n)s business days", count) % {"n": n}
        case ClockKind.BUSINESS_HOURS:
            return ngettext("%(n)s business hour", "%(n)s business hours", count) % {"n": n}
        case ClockKind.SECONDS:
            return ngettext("%(n)s second", "%(n)s seconds", count) % {"n": n}
        case ClockKind.RINGS:
            return ngettext("%(n)s ring", "%(n)s rings", count) % {"n": n}
    match rule.unit:
        case "weeks":
            return ngettext("%(n)s week", "%(n)s weeks", count) % {"n": n}
        case "days":
            return ngettext("%(n)s day", "%(n)s days", count) % {"n": n}
        case "hours":
            return ngettext("%(n)s hour", "%(n)s hours", count) % {"n": n}
    return ngettext("%(n)s minute", "%(n)s minutes", count) % {"n": n}


def language_name(code: str) -> str:
    from django.conf import settings

    return dict(settings.LANGUAGES).get(code, code)


@dataclass(frozen=True)
class PromiseLine:
    """One line of "when you will hear back": what the city owes, under which rule, by when."""

    standard: str
    purpose: str
    text: str
    due_at: datetime


def promises(
    profile: Profile,
    *,
    kind: str,
    channel: str,
    hazard: bool,
    investigate: bool,
    has_service: bool,
    now: datetime,
    safety_threat: bool = False,
) -> list[PromiseLine]:
    """What the city promises a new case of this kind on this channel, with the dates (PK-ACK-1BD…).

    The clocks are the ones intake starts (:func:`standing.promised_at_intake`); this only words them.
    """
    told = standing.promised_at_intake(
        profile,
        kind=kind,
        channel=channel,
        hazard=hazard,
        investigate=investigate,
        has_service=has_service,
        now=now,
        safety_threat=safety_threat,
    )
    return [
        PromiseLine(
            promise.standard.id,
            promise.purpose,
            str(standing.PROMISE_SENTENCES[promise.purpose])
            % {"clock": describe_clock(promise.standard.clock), "due": local_datetime(promise.due_at, profile)},
            promise.due_at,
        )
        for promise in told
        if promise.purpose in standing.PROMISE_SENTENCES
    ]


def local_datetime(instant: datetime, profile: Profile) -> str:
    """``Wednesday 18 November 2026, 4:30 p.m.`` in the active language and the city's zone."""
    from django.utils import formats

    local = instant.astimezone(profile.calendar.tz)
    return f"{formats.date_format(local, 'l j F Y')}, {formats.time_format(local, 'TIME_FORMAT')}"
