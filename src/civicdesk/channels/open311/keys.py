"""Issuing, checking and revoking Open311 API keys (stored as digests: :mod:`civicdesk.platform.hashed_keys`)."""

from __future__ import annotations

from django.db.models import QuerySet

from civicdesk.channels.open311.models import ApiKey
from civicdesk.domain.city.models import Jurisdiction
from civicdesk.platform import hashed_keys, timesource
from civicdesk.platform.hashed_keys import digest

__all__ = ["KEY_PREFIX", "digest", "issue_key", "live_key", "revoke"]

KEY_PREFIX = "o311_"


def issue_key(*, client_name: str, jurisdiction: Jurisdiction | None = None) -> tuple[ApiKey, str]:
    """A new key for ``client_name``: the row (digest only) and the key, which is never stored or shown again."""
    new = hashed_keys.new_secret(KEY_PREFIX)
    row = ApiKey.objects.create(
        client_name=client_name.strip(),
        jurisdiction=jurisdiction,
        prefix=new.prefix,
        digest=new.digest,
        created_at=timesource.now(),
    )
    return row, new.secret


def live_key(key: str) -> ApiKey | None:
    """The unrevoked key row for ``key``, or None; notes when it was last used."""
    return hashed_keys.find_live(ApiKey.objects.all(), key)


def revoke(keys: QuerySet[ApiKey]) -> int:
    """Revoke ``keys`` (a revoked key keeps its first revocation time); return how many were live."""
    return hashed_keys.revoke(keys)
