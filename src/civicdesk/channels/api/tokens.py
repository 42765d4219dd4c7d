"""Issuing, checking and revoking staff API tokens (stored as digests: :mod:`civicdesk.platform.hashed_keys`)."""

from __future__ import annotations

from django.db.models import QuerySet

from civicdesk.channels.api.models import ApiToken
from civicdesk.domain.staff.models import User
from civicdesk.platform import hashed_keys, timesource
from civicdesk.platform.hashed_keys import digest

__all__ = ["TOKEN_PREFIX", "digest", "issue_token", "revoke", "user_for_token"]

TOKEN_PREFIX = "cdk_"  # noqa: S105 — a marker that makes leaked tokens easy to find, not a secret


def issue_token(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``: the row (digest only) and the token, which is never stored or shown again."""
    new = hashed_keys.new_secret(TOKEN_PREFIX)
    row = ApiToken.objects.create(
        jurisdiction_id=user.jurisdiction_id,
        user=user,
        name=name,
        prefix=new.prefix,
        digest=new.digest,
        created_at=timesource.now(),
    )
    return row, new.secret


def user_for_token(token: str) -> User | None:
    """The active staff member a live token acts as, or None; notes when the token was last used."""
    tokens = ApiToken.objects.select_related("user", "user__jurisdiction").filter(user__is_active=True)
    row = hashed_keys.find_live(tokens, token)
    return row.user if row is not None else None


def revoke(tokens: QuerySet[ApiToken]) -> int:
    """Revoke ``tokens`` (a revoked one keeps its first revocation time); return how many were live."""
    return hashed_keys.revoke(tokens)
