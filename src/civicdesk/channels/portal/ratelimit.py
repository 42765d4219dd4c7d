"""Per-client rate limits for the public portal, on the shared database counter (:mod:`civicdesk.platform.throttle`).

No third-party CAPTCHA: a honeypot field catches naive bots, these limits the
rest. The client is its address (``REMOTE_ADDR``, or from ``X-Forwarded-For``
behind ``CIVICDESK_TRUSTED_PROXIES`` proxies; IPv6: one /64), counted as a
keyed hash, never stored.
"""

from __future__ import annotations

from django.http import HttpRequest

from civicdesk.platform.throttle import counters
from civicdesk.platform.throttle.counters import Limit

DEFAULT_LIMITS = {"report": Limit(hits=10, seconds=3600), "status": Limit(hits=30, seconds=600)}


def limit(name: str) -> Limit:
    """Defaults suit one resident; ``CIVICDESK_PORTAL_LIMITS = {"report": (10, 3600)}`` overrides them."""
    return counters.configured_limits("CIVICDESK_PORTAL_LIMITS", DEFAULT_LIMITS)[name]


def allow(request: HttpRequest, name: str) -> bool:
    """Count this request; False once the client has used up the window's allowance."""
    rule = limit(name)
    address = counters.client_address(request, counters.configured_trusted_proxies())
    return counters.hit(counters.private_scope(f"portal:{name}", address), rule.hits, rule.seconds).allowed
