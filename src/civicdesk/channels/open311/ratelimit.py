"""Open311's rate limits per client address and per API key, on the shared database counter.

The counting (one upsert per request, shared by every process, never taking
the API down) is :mod:`civicdesk.platform.throttle.counters`; the limits and the window
are Open311's settings (:mod:`civicdesk.channels.open311.conf`).
"""

from __future__ import annotations

from civicdesk.channels.open311 import conf
from civicdesk.platform.throttle import counters
from civicdesk.platform.throttle.counters import Verdict, client_address

__all__ = ["Verdict", "client_address", "hit"]


def hit(scope: str, limit: int) -> Verdict:
    """Count one request against ``scope`` (``ip:…`` or ``key:…``); refused over ``limit`` this window (0: no limit)."""
    return counters.hit(counters.private_scope("open311", scope), limit, conf.current().window)
