"""Issuing, checking and revoking Open311 API keys.

Keys are 256 random bits, so a plain SHA-256 digest stores them safely
(nothing to guess, no salt or slow hash needed) and a key is found by its
digest without comparing secrets in Python.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db.models import Q, QuerySet

from civicdesk import clock
from civicdesk.city.models import Jurisdiction
from civicdesk.open311.models import ApiKey

KEY_PREFIX = "o311_"
MAX_KEY_LENGTH = 200
# A write on every call would make each read a write; a minute's precision is enough to spot unused keys.
LAST_USED_PRECISION = timedelta(minutes=1)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(*, client_name: str, jurisdiction: Jurisdiction | None = None) -> tuple[ApiKey, str]:
    """A new key for ``client_name``: the row (digest only) and the key, which is never stored or shown again."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey.objects.create(
        client_name=client_name.strip(),
        jurisdiction=jurisdiction,
        prefix=key[:12],
        digest=digest(key),
        created_at=clock.now(),
    )
    return row, key


def live_key(key: str) -> ApiKey | None:
    """The unrevoked key row for ``key``, or None; notes when it was last used."""
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    row = ApiKey.objects.filter(digest=digest(key), revoked_at__isnull=True).first()
    if row is None:
        return None
    now = clock.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=row.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
        ).update(last_used_at=now)
    return row


def revoke(keys: QuerySet[ApiKey]) -> int:
    """Revoke ``keys`` (a revoked key keeps its first revocation time); return how many were live."""
    return keys.filter(revoked_at__isnull=True).update(revoked_at=clock.now())
