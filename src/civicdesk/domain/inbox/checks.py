"""When the mailbox is checked (PK-EMAIL-CHECK), read from the profile's calendar.

PK-EMAIL-CHECK says mailboxes are checked "within the first 30 minutes of the
day, after lunch and before close". The first check time is the profile's:
the day's opening plus the standard's target (30 minutes in Pickering). The
policy gives no time for the other two, so civicdesk uses product defaults,
named here: after lunch is 13:30, before close is one hour before the day's
closing. Mail must be opened by the first check time after it arrived; mail
that arrives after the day's last check waits for the next business day's first.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from civicdesk.engines.calendars import BusinessCalendar
from civicdesk.engines.standards import Profile, Standard

AFTER_LUNCH = time(13, 30)  # product default: PK-EMAIL-CHECK's "after lunch"
BEFORE_CLOSE = timedelta(hours=1)  # product default: PK-EMAIL-CHECK's "before close", before the day's closing
_MAX_DAYS = 400


def check_standard(profile: Profile) -> Standard | None:
    """The profile's mailbox-check standard: the one that starts when the office opens, for email."""
    for standard in profile.standards.values():
        if standard.starts == "day_opens" and (not standard.channels or "email" in standard.channels):
            return standard
    return None


def _within(standard: Standard) -> timedelta:
    unit = standard.clock.unit or "minutes"
    return timedelta(**{unit: float(standard.clock.target)}) if unit in ("minutes", "hours") else timedelta(minutes=30)


def check_times(calendar: BusinessCalendar, standard: Standard, day: datetime) -> list[datetime]:
    """The day's check times (local), earliest first; none on a day the office is closed."""
    status = calendar.day_status(calendar.local_date(day))
    if not status.openings:
        return []
    opens, closes = status.openings[0][0], status.openings[-1][1]
    first = min(opens + _within(standard), closes)
    times = [first]
    lunch = datetime.combine(status.day, AFTER_LUNCH, tzinfo=calendar.tz)
    if first < lunch < closes:
        times.append(lunch)
    last = closes - BEFORE_CLOSE
    if times[-1] < last:
        times.append(last)
    return times


def due_check(calendar: BusinessCalendar, standard: Standard, received: datetime) -> datetime:
    """The first check time after ``received``: by then a staff member has opened the mail."""
    day = received.astimezone(calendar.tz)
    for _ in range(_MAX_DAYS):
        for at in check_times(calendar, standard, day):
            if at > received:
                return at
        day = datetime.combine(day.date() + timedelta(days=1), time(12), tzinfo=calendar.tz)
    raise ValueError("no check time within a year; check the calendar's hours")
