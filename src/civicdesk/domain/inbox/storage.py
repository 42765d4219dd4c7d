"""Files received (mail attachments, scanned letters and faxes), kept under the data directory by their SHA-256.

A file is named by its content, never by the name its sender gave it, and written whole (a partial file is
renamed into place), so the same content stored twice is one file and a crash leaves no half-written one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings


def folder() -> Path:
    return Path(settings.DATA_DIR) / "attachments"


def path_of(sha256: str) -> Path:
    return folder() / sha256[:2] / sha256


def store(content: bytes) -> str:
    """Keep ``content``; returns its SHA-256 (the name it is kept under)."""
    digest = hashlib.sha256(content).hexdigest()
    path = path_of(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(content)
        partial.replace(path)
    return digest
