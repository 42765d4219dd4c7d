"""Fixed-window counters in the database, so every web process on every machine shares one count.

One statement counts a hit: an upsert that adds one to the (scope, window) row
and returns the new count, atomic on SQLite and PostgreSQL alike. A window's
first hit also deletes the rows whose window is over (by ``expires_at``, so
limits with windows of different lengths never delete each other's rows).
Counting must never take the site down: if the counter cannot be written, the
request is let through and the failure logged.

A scope never holds who is counted in clear: :func:`private_scope` keeps a
keyed hash of the address or user name.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from civicdesk.platform import timesource
from civicdesk.platform.throttle.models import RateCounter

logger = logging.getLogger(__name__)

SCOPE_HASH_SALT = "civicdesk.platform.throttle.scope"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the window ends
    window_seconds: int = 0  # 0 when nothing was counted
    # What was counted, for refund(); empty when nothing was (no limit, or the counter was unavailable).
    scope: str = ""
    window_start: datetime | None = None


def client_address(request: HttpRequest, trusted_proxies: int) -> str:
    """The caller's address: behind N trusted proxies, the Nth address from the right of X-Forwarded-For.

    An IPv6 address stands for its whole /64: one subscriber gets a /64, and
    counting single addresses would let them rotate freely.
    """
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    if trusted_proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= trusted_proxies:
            address = hops[-trusted_proxies]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:60]
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def private_scope(limit_name: str, who: str) -> str:
    """The scope ``limit_name:<keyed hash of who>``: the table never holds an address or a user name."""
    if not limit_name or len(limit_name) > 50:
        raise ValueError(f"a limit name is 1 to 50 characters, not {limit_name!r}")
    return f"{limit_name}:{salted_hmac(SCOPE_HASH_SALT, who, algorithm='sha256').hexdigest()[:40]}"


def hit(scope: str, limit: int, window_seconds: int) -> Verdict:
    """Count one hit against ``scope``; refused once more than ``limit`` were counted this window (0: no limit)."""
    if limit <= 0:
        return Verdict(allowed=True, limit=0, remaining=0, retry_after=0)
    now = timesource.now()
    seconds = now.timestamp()
    window_start = datetime.fromtimestamp(int(seconds // window_seconds) * window_seconds, tz=UTC)
    window_end = window_start + timedelta(seconds=window_seconds)
    try:
        hits = _count(scope, window_start, window_end)
    except DatabaseError:
        logger.warning("rate counter unavailable; letting the request through", exc_info=True)
        return Verdict(allowed=True, limit=limit, remaining=limit, retry_after=0)
    if hits == 1:
        _delete_expired(now)
    return Verdict(
        allowed=hits <= limit,
        limit=limit,
        remaining=max(0, limit - hits),
        retry_after=max(1, math.ceil(window_end.timestamp() - seconds)),
        window_seconds=window_seconds,
        scope=scope,
        window_start=window_start,
    )


def refund(verdict: Verdict) -> None:
    """Take back the hit that gave ``verdict``, in the window it was counted in."""
    if verdict.window_start is None:
        return
    try:
        with transaction.atomic():
            RateCounter.objects.filter(scope=verdict.scope, window_start=verdict.window_start, hits__gt=0).update(
                hits=F("hits") - 1
            )
    except DatabaseError:
        logger.warning("rate counter unavailable; a hit was not taken back", exc_info=True)


def _count(scope: str, window_start: datetime, expires_at: datetime) -> int:
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, window_start, expires_at, hits) VALUES (%s, %s, %s, 1) "  # noqa: S608 — table name from the model
            f"ON CONFLICT (scope, window_start) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits",
            [scope, adapt(window_start), adapt(expires_at)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 1


def _delete_expired(now: datetime) -> None:
    # Its own transaction, after the count is committed: the count never waits for the clean-up.
    try:
        with transaction.atomic():
            RateCounter.objects.filter(expires_at__lt=now).delete()
    except DatabaseError:
        logger.warning("could not delete ended rate windows", exc_info=True)
