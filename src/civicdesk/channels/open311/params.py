"""Reading GeoReport v2 parameters: an empty parameter is the same as an absent one (the spec's "Optional Arguments")."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.http import QueryDict

from civicdesk.channels.open311.errors import bad_request
from civicdesk.domain.cases import time_windows
from civicdesk.domain.cases.errors import InvalidInput

MAX_PARAMETER_LENGTH = 10_000
_OFFSET_AFTER_SPACE = re.compile(r" (\d{2}:?\d{2})$")


def text(params: QueryDict, name: str) -> str | None:
    """The stripped value of ``name`` (repeated values joined by commas), or None when absent or empty."""
    values = [v.strip() for v in params.getlist(name) if v is not None and v.strip()]
    if not values:
        return None
    joined = ",".join(values)
    if "\x00" in joined:
        raise bad_request(f"{name} contains a NUL character")
    if len(joined) > MAX_PARAMETER_LENGTH:
        raise bad_request(f"{name} is longer than {MAX_PARAMETER_LENGTH} characters")
    return joined


def comma_list(params: QueryDict, name: str) -> list[str]:
    """``a,b`` or ``name=a&name=b`` → ``["a", "b"]`` (blanks dropped, order kept, no repeats)."""
    raw = text(params, name)
    if raw is None:
        return []
    return list(dict.fromkeys(item.strip() for item in raw.split(",") if item.strip()))


def instant(value: str, *, name: str, zone: ZoneInfo) -> datetime:
    """A W3C date-time (``2010-01-01T00:00:00Z`` or with an offset); a date or a time without offset is local time."""
    cleaned = _OFFSET_AFTER_SPACE.sub(r"+\1", value.strip())  # a '+' sent unencoded in a query string arrives as ' '
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
            parsed = datetime.combine(date.fromisoformat(cleaned), time(0), tzinfo=zone)
        else:
            parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise bad_request(f"{name} {value!r} is not a W3C date-time such as 2010-01-01T00:00:00Z") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        return time_windows.check_planning(parsed, field=name, label=name)
    except InvalidInput as error:
        raise bad_request(error.message) from None


def whole_number(params: QueryDict, name: str, *, default: int, minimum: int, maximum: int) -> int:
    raw = text(params, name)
    if raw is None:
        return default
    if not re.fullmatch(r"\d{1,9}", raw):
        raise bad_request(f"{name} must be a whole number from {minimum} to {maximum}, not {raw[:40]!r}")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise bad_request(f"{name} must be a whole number from {minimum} to {maximum}, not {value}")
    return value


def flag(params: QueryDict, name: str) -> bool:
    raw = text(params, name)
    if raw is None:
        return False
    lowered = raw.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise bad_request(f"{name} must be true or false, not {raw[:40]!r}")
