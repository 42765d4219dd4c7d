"""Open311's settings, each with a working default; a bad value fails loudly when first read.

| setting | default | meaning |
|---|---|---|
| ``OPEN311_RATE_LIMIT_WINDOW`` | 60 | seconds in a rate-limit window |
| ``OPEN311_RATE_LIMIT_PER_IP`` | 300 | requests per window from one client address (IPv6: one /64); 0 turns it off |
| ``OPEN311_RATE_LIMIT_PER_KEY`` | 1200 | requests per window made with one API key; 0 turns it off |
| ``OPEN311_TRUSTED_PROXIES`` | 0 | reverse proxies in front of the web processes; the client address is then taken from ``X-Forwarded-For`` |
| ``OPEN311_MEDIA_MAX_BYTES`` | 5 MiB | largest photo accepted with a report |
| ``OPEN311_CONTACT`` | see below | the discovery document's ``contact`` |
| ``OPEN311_KEY_SERVICE`` | see below | the discovery document's ``key_service`` |
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_CONTACT = "Contact the city's Customer Care office."
DEFAULT_KEY_SERVICE = (
    "Ask the city's Customer Care administrator for an API key; they issue one per client application."
)


@dataclass(frozen=True)
class Open311Settings:
    window: int
    per_ip: int
    per_key: int
    trusted_proxies: int
    media_max_bytes: int
    contact: str
    key_service: str


def _number(name: str, default: int, minimum: int) -> int:
    value = getattr(settings, name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least {minimum}, not {value!r}")
    return value


def _text(name: str, default: str) -> str:
    value = getattr(settings, name, default)
    if not isinstance(value, str):
        raise ImproperlyConfigured(f"{name} must be text, not {value!r}")
    return value


def current() -> Open311Settings:
    return Open311Settings(
        window=_number("OPEN311_RATE_LIMIT_WINDOW", 60, 1),
        per_ip=_number("OPEN311_RATE_LIMIT_PER_IP", 300, 0),
        per_key=_number("OPEN311_RATE_LIMIT_PER_KEY", 1200, 0),
        trusted_proxies=_number("OPEN311_TRUSTED_PROXIES", 0, 0),
        media_max_bytes=_number("OPEN311_MEDIA_MAX_BYTES", 5 * 1024 * 1024, 1),
        contact=_text("OPEN311_CONTACT", DEFAULT_CONTACT),
        key_service=_text("OPEN311_KEY_SERVICE", DEFAULT_KEY_SERVICE),
    )
