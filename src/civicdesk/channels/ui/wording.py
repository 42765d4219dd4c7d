"""How the desk and the portal say a standard's clock in the reader's language.

``ClockRule.describe()`` is English for logs and clerks; these translate the
same facts ("1 business day", "2 weeks") for pages residents and staff read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext_lazy, ngettext

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


def business_days_between(profile: Profile, since: datetime, until: datetime) -> int:
    """Business days from ``since``'s local day (exclusive) to ``until``'s (inclusive): "3 business days overdue"."""
    calendar = profile.calendar
    first, last = calendar.local_date(since), calendar.local_date(until)
    if last <= first:
        return 0
    days = (last - first).days
    closed = {status.day for status in calendar.closed_days(date.fromordinal(first.toordinal() + 1), last)}
    return days - len(closed)


def language_name(code: str) -> str:
    from django.conf import settings

    return dict(settings.LANGUAGES).get(code, code)


@dataclass(frozen=True)
class Promise:
    """One line of "when you will hear back": what the city owes, under which rule, by when."""

    standard: str
    purpose: str
    text: str
    due_at: datetime


PROMISES = {
    "acknowledge": gettext_lazy("Acknowledged within %(clock)s: by %(due)s"),
    "inspect": gettext_lazy("The reported hazard is inspected within %(clock)s: by %(due)s"),
    "respond": gettext_lazy("Answered within %(clock)s: by %(due)s"),
    "interim": gettext_lazy("An interim reply within %(clock)s: by %(due)s"),
    "callback": gettext_lazy("The call is returned within %(clock)s: by %(due)s"),
    "follow_up": gettext_lazy("Customer Care follows up with the department after %(clock)s: on %(due)s"),
}
PROMISE_ORDER = ("acknowledge", "callback", "inspect", "interim", "respond", "follow_up")


def promises(profile: Profile, *, kind: str, channel: str, hazard: bool, now: datetime) -> list[Promise]:
    """What the city's standards promise a new case of this kind on this channel, with the dates (PK-ACK-1BD…)."""
    from civicdesk.engines import standards

    if kind == "feedback":
        return []
    found: dict[str, Promise] = {}
    for standard in profile.standards_for(kind, channel):
        purpose = standard.purpose
        if purpose not in PROMISES or purpose in found:
            continue
        if purpose == "inspect" and not hazard:
            continue
        if standard.starts not in ("received", "routed"):
            continue
        due = standards.due(profile, standard.id, now).due_at
        text = str(PROMISES[purpose]) % {"clock": describe_clock(standard.clock), "due": local_datetime(due, profile)}
        found[purpose] = Promise(standard.id, purpose, text, due)
    return [found[p] for p in PROMISE_ORDER if p in found]


def local_datetime(instant: datetime, profile: Profile) -> str:
    """``Wednesday 18 November 2026, 4:30 p.m.`` in the active language and the city's zone."""
    from django.utils import formats

    local = instant.astimezone(profile.calendar.tz)
    return f"{formats.date_format(local, 'l j F Y')}, {formats.time_format(local, 'TIME_FORMAT')}"
