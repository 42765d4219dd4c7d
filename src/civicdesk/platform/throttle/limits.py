"""The rate limits civicdesk enforces, by name, and the one way to count a request against them.

| limit | counts, per window | setting (read by :mod:`civicdesk.platform.config`) |
|---|---|---|
| :data:`PORTAL_REPORT` | portal reports from one client address | ``CIVICDESK_PORTAL_LIMITS["report"]`` |
| :data:`PORTAL_STATUS` | portal status look-ups from one client address | ``CIVICDESK_PORTAL_LIMITS["status"]`` |
| :data:`PORTAL_REFERENCE` | portal status look-ups of one reference, from anywhere | ``CIVICDESK_PORTAL_LIMITS["reference"]`` |
| :data:`OPEN311_ADDRESS` | Open311 requests from one client address | ``OPEN311_RATE_LIMIT_PER_IP`` |
| :data:`OPEN311_KEY` | Open311 requests made with one API key | ``OPEN311_RATE_LIMIT_PER_KEY`` |
| :data:`SIGN_IN_USER` | failed staff sign-ins for one user name | ``CIVICDESK_SIGNIN_LIMITS["user"]`` |
| :data:`SIGN_IN_ADDRESS` | failed staff sign-ins from one client address | ``CIVICDESK_SIGNIN_LIMITS["address"]`` |

A client address is the caller's behind the limit's trusted proxies
(``OPEN311_TRUSTED_PROXIES`` for Open311, ``CIVICDESK_TRUSTED_PROXIES`` for the
rest; an IPv6 address stands for its /64). Who is counted is kept only as a
keyed hash (:func:`counters.private_scope`); the counting itself is
:mod:`civicdesk.platform.throttle.counters`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

from civicdesk.platform import config
from civicdesk.platform.config import Limit
from civicdesk.platform.throttle import counters
from civicdesk.platform.throttle.counters import Verdict

__all__ = [
    "OPEN311_ADDRESS",
    "OPEN311_KEY",
    "PORTAL_REFERENCE",
    "PORTAL_REPORT",
    "PORTAL_STATUS",
    "SIGN_IN_ADDRESS",
    "SIGN_IN_USER",
    "NamedLimit",
    "Verdict",
]


@dataclass(frozen=True)
class NamedLimit:
    """One rate limit: the counter rows it keeps and the settings its numbers and client addresses come from."""

    # The counter rows' scope is ``private_scope(scope, prefix + who)``: the Open311 limits share one scope
    # name and tell a key from an address by the prefix, as their rows always have.
    scope: str
    prefix: str
    read_limit: Callable[[], Limit]
    read_trusted_proxies: Callable[[], int]

    def limit(self) -> Limit:
        """The hits allowed per window of seconds, as configured now."""
        return self.read_limit()

    def count(self, who: str) -> Verdict:
        """Count one hit for ``who`` (a user name, a key, an address); refused once the window's allowance is used."""
        limit = self.read_limit()
        return counters.hit(counters.private_scope(self.scope, self.prefix + who), limit.hits, limit.seconds)

    def count_client(self, request: HttpRequest) -> Verdict:
        """Count one hit for the client that sent ``request``, by its address."""
        return self.count(self.client_address(request))

    def client_address(self, request: HttpRequest) -> str:
        """The address ``request`` came from, behind as many proxies as this limit's setting trusts."""
        return counters.client_address(request, self.read_trusted_proxies())


def _open311_address() -> Limit:
    settings = config.open311_settings()
    return Limit(hits=settings.per_ip, seconds=settings.window)


def _open311_key() -> Limit:
    settings = config.open311_settings()
    return Limit(hits=settings.per_key, seconds=settings.window)


def _open311_proxies() -> int:
    return config.open311_settings().trusted_proxies


PORTAL_REPORT = NamedLimit("portal:report", "", lambda: config.portal_limits()["report"], config.trusted_proxies)
PORTAL_STATUS = NamedLimit("portal:status", "", lambda: config.portal_limits()["status"], config.trusted_proxies)
PORTAL_REFERENCE = NamedLimit(
    "portal:reference", "", lambda: config.portal_limits()["reference"], config.trusted_proxies
)
OPEN311_ADDRESS = NamedLimit("open311", "ip:", _open311_address, _open311_proxies)
OPEN311_KEY = NamedLimit("open311", "key:", _open311_key, _open311_proxies)
SIGN_IN_USER = NamedLimit("signin:user", "", lambda: config.sign_in_limits()["user"], config.trusted_proxies)
SIGN_IN_ADDRESS = NamedLimit("signin:address", "", lambda: config.sign_in_limits()["address"], config.trusted_proxies)
