"""Staff sign-ins end after ``STAFF_IDLE_MINUTES`` without a request, and after ``STAFF_SESSION_HOURS`` at most.

A desk left signed in on a shared counter must not stay open for days: the
session cookie's own age is the absolute limit, and this middleware signs the
user out once they have been idle longer than the idle limit. The time of the
last request is written to the session at most once a minute, so reading a
queue does not become a database write per page.

Idle time is counted on Django's wall clock, the one its own session expiry
uses, not on the product's business clock (``timesource``): tests and
replays move the business clock across days, and a desk left unattended is
a matter of real minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

LAST_SEEN = "civicdesk_last_seen"
REFRESH_EVERY = timedelta(minutes=1)


class IdleStaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now()
            idle = timedelta(minutes=settings.CONFIG.staff_idle_minutes)
            seen = _read(request.session.get(LAST_SEEN))
            if seen is not None and now - seen > idle:
                logout(request)  # the view then treats the request as anonymous: sign-in again
            elif seen is None or now - seen >= REFRESH_EVERY:
                request.session[LAST_SEEN] = now.isoformat()
        return self.get_response(request)


def _read(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        seen = datetime.fromisoformat(value)
    except ValueError:
        return None
    return seen if seen.tzinfo is not None else None
