"""Secrets shown once to their holder and stored only as a SHA-256 digest: staff API tokens and Open311 keys.

A secret is 256 random bits behind a short marker, so a plain SHA-256 digest
stores it safely (nothing to guess: no salt or slow hash needed) and a secret
is found by its digest without comparing secrets in Python. The rows that
hold them have ``prefix``, ``digest``, ``created_at``, ``last_used_at`` and
``revoked_at``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from django.db import models
from django.db.models import Q, QuerySet

from civicdesk.platform import timesource

MAX_LENGTH = 200
# A write on every use would make each call a write; a minute's precision is enough to spot unused secrets.
LAST_USED_PRECISION = timedelta(minutes=1)
SHOWN_PREFIX_LENGTH = 12

Row = TypeVar("Row", bound=models.Model)


@dataclass(frozen=True)
class NewSecret:
    secret: str  # given to the holder once, never stored
    prefix: str  # its first characters, stored to tell secrets apart
    digest: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(marker: str) -> NewSecret:
    """A fresh secret starting with ``marker``, which makes a leaked one easy to find."""
    secret = marker + secrets.token_urlsafe(32)
    return NewSecret(secret=secret, prefix=secret[:SHOWN_PREFIX_LENGTH], digest=digest(secret))


def find_live(rows: QuerySet[Row], secret: str) -> Row | None:
    """The unrevoked row of ``rows`` holding ``secret``, or None; notes when it was last used."""
    if not secret or len(secret) > MAX_LENGTH:
        return None
    row = rows.filter(digest=digest(secret), revoked_at__isnull=True).first()
    if row is None:
        return None
    now = timesource.now()
    last_used = row.serializable_value("last_used_at")  # the field by name: Row is any model with these fields
    if last_used is None or now - last_used >= LAST_USED_PRECISION:
        type(row)._default_manager.filter(pk=row.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
        ).update(last_used_at=now)
    return row


def revoke(rows: QuerySet[Row]) -> int:
    """Revoke ``rows`` (a revoked one keeps its first revocation time); return how many were live."""
    return rows.filter(revoked_at__isnull=True).update(revoked_at=timesource.now())
