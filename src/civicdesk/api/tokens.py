"""Issuing, checking and revoking staff API tokens.

Tokens are 256 random bits, so a plain SHA-256 digest is enough to store
them safely (no salt or slow hash needed: nothing to guess), and looking a
token up by its digest compares no secret in Python.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db.models import Q, QuerySet

from civicdesk import clock
from civicdesk.api.models import ApiToken
from civicdesk.staff.models import User

TOKEN_PREFIX = "cdk_"  # noqa: S105 — a marker that makes leaked tokens easy to find, not a secret
MAX_TOKEN_LENGTH = 200
# Recording every use would make each API call a write; a minute's precision is enough to spot unused tokens.
LAST_USED_PRECISION = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``: the row (digest only) and the token, which is never stored or shown again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        jurisdiction_id=user.jurisdiction_id,
        user=user,
        name=name,
        prefix=token[:12],
        digest=digest(token),
        created_at=clock.now(),
    )
    return row, token


def user_for_token(token: str) -> User | None:
    """The active staff member a live token acts as, or None; notes when the token was last used."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = (
        ApiToken.objects.select_related("user", "user__jurisdiction")
        .filter(digest=digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = clock.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=row.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
        ).update(last_used_at=now)
    return row.user


def revoke(tokens: QuerySet[ApiToken]) -> int:
    """Revoke ``tokens`` (a revoked one keeps its first revocation time); return how many were live."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=clock.now())
