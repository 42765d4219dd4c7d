"""Per-client rate limits for the public portal, counted in the database (shared by every web process).

No third-party CAPTCHA: a honeypot field catches naive bots, these limits
the rest. The client is its ``REMOTE_ADDR``; behind a proxy the operator sets
``SECURE_PROXY_SSL_HEADER``/a proxy that rewrites ``REMOTE_ADDR`` (the
forwarded-for header is not trusted here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from civicdesk import clock
from civicdesk.portal.models import RateCounter


@dataclass(frozen=True)
class Limit:
    name: str
    requests: int
    window: timedelta


def limit(name: str) -> Limit:
    """Defaults suit one resident; ``CIVICDESK_PORTAL_LIMITS = {"report": (10, 3600)}`` overrides them."""
    defaults = {"report": (10, 3600), "status": (30, 600)}
    overrides = getattr(settings, "CIVICDESK_PORTAL_LIMITS", {})
    requests, seconds = overrides.get(name, defaults[name])
    return Limit(name, int(requests), timedelta(seconds=int(seconds)))


def client_key(request: HttpRequest, name: str) -> str:
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    return f"{name}:{salted_hmac('civicdesk.portal.ratelimit', address).hexdigest()[:40]}"


def allow(request: HttpRequest, name: str) -> bool:
    """Count this request; False once the client has used up the window's allowance."""
    rule = limit(name)
    now = clock.now()
    seconds = int(rule.window.total_seconds())
    start = datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=UTC)
    key = client_key(request, name)
    with transaction.atomic():
        updated = RateCounter.objects.filter(bucket=key, window_start=start).update(count=F("count") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RateCounter.objects.create(bucket=key, window_start=start, count=1)
            except IntegrityError:  # another process created it first
                RateCounter.objects.filter(bucket=key, window_start=start).update(count=F("count") + 1)
            RateCounter.objects.filter(window_start__lt=now - timedelta(days=1)).delete()
        count = RateCounter.objects.filter(bucket=key, window_start=start).values_list("count", flat=True).first()
    return (count or 0) <= rule.requests
