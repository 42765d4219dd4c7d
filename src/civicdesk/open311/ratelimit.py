"""Fixed-window request counters in the database, so every web process on every machine shares one count.

One statement per request: an upsert that adds a hit to the (scope, window)
row and returns the new count, atomic on SQLite and PostgreSQL alike. A
window's first hit also deletes windows that have ended. Counting must never
take the API down: if the counter cannot be written, the request is let
through and the failure logged.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest

from civicdesk import clock
from civicdesk.open311 import conf
from civicdesk.open311.models import RateCounter

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int


def client_address(request: HttpRequest, trusted_proxies: int) -> str:
    """The caller's address: behind N trusted proxies, the Nth address from the right of X-Forwarded-For."""
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
        # One subscriber gets a whole /64; counting single addresses would let them rotate freely.
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _increment(scope: str, window_start: int) -> int:
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, window_start, hits) VALUES (%s, %s, 1) "  # noqa: S608 — table name from the model
            f"ON CONFLICT (scope, window_start) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits",
            [scope, window_start],
        )
        row = cursor.fetchone()
        hits = int(row[0]) if row else 1
        if hits == 1:
            cursor.execute(f"DELETE FROM {table} WHERE window_start < %s", [window_start])  # noqa: S608
    return hits


def hit(scope: str, limit: int) -> Verdict:
    """Count one request against ``scope``; refused once ``limit`` requests were made this window (0: no limit)."""
    if limit <= 0:
        return Verdict(True, 0, 0, 0)
    window = conf.current().window
    now = clock.now().timestamp()
    window_start = int(now // window) * window
    try:
        hits = _increment(scope, window_start)
    except DatabaseError:
        logger.warning("open311 rate counter unavailable; letting the request through", exc_info=True)
        return Verdict(True, limit, limit, 0)
    retry_after = max(1, math.ceil(window_start + window - now))
    return Verdict(hits <= limit, limit, max(0, limit - hits), retry_after)
