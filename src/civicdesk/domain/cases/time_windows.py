"""The windows of time a date sent to civicdesk may fall in; every channel, the CLI and the case actions check here.

A date far outside the city's working life is a slip or an attack, never a
real case: year 0001 overflows time-zone arithmetic, and year 9999 makes
business-time arithmetic walk millennia of holidays while a transaction holds
the database. So every date a person or a client can send is checked against
one of two windows before anything is computed from it:

- **a receipt** (when a case was received, when the thing happened): from
  1 January 2000 to now, plus ``CLOCK_SKEW`` for a sender whose clock runs a
  little fast;
- **a plan or a question** (a timeline, a due-before filter, the Open311 date
  filters, the start given to ``civicdesk due``): from 1 January 2000 to
  ``HORIZON`` after now.

docs/api.md and docs/open311.md give the same windows to client authors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils.translation import gettext as _

from civicdesk.domain.cases.errors import InvalidInput
from civicdesk.platform import timesource

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=5)
HORIZON = timedelta(days=5 * 366)


@dataclass(frozen=True)
class Window:
    """Instants from ``EARLIEST`` to now plus ``ahead``."""

    ahead: timedelta

    def bounds(self) -> tuple[datetime, datetime]:
        return EARLIEST, timesource.now() + self.ahead

    def contains(self, value: datetime) -> bool:
        """Whether the aware ``value`` falls in the window."""
        earliest, latest = self.bounds()
        try:
            in_utc = value.astimezone(UTC)
        except OverflowError:  # within hours of year 1 or year 9999: far outside either way
            return False
        return earliest <= in_utc <= latest

    def check(self, value: datetime, *, field: str, label: str) -> datetime:
        """``value`` in UTC, or InvalidInput naming ``field`` and saying in ``label``'s words what the window is."""
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidInput(
                _("%(label)s needs a time zone offset, for example 2026-11-23T10:00:00-05:00") % {"label": label},
                field=field,
            )
        if not self.contains(value):
            earliest, latest = self.bounds()
            dates = {"label": label, "earliest": earliest.date().isoformat(), "latest": latest.date().isoformat()}
            if self.ahead <= CLOCK_SKEW and value > latest:
                message = _("%(label)s is in the future; it must be between %(earliest)s and now") % dates
            else:
                message = _("%(label)s must be between %(earliest)s and %(latest)s") % dates
            raise InvalidInput(message, field=field)
        return value.astimezone(UTC)


RECEIPT = Window(ahead=CLOCK_SKEW)
PLANNING = Window(ahead=HORIZON)


def check_receipt(value: datetime, *, field: str, label: str) -> datetime:
    """A time a case was received or a thing happened: 2000-01-01 to now (plus a few minutes of clock skew)."""
    return RECEIPT.check(value, field=field, label=label)


def check_planning(value: datetime, *, field: str, label: str) -> datetime:
    """A timeline, a filter bound or a start to count from: 2000-01-01 to five years from now."""
    return PLANNING.check(value, field=field, label=label)
