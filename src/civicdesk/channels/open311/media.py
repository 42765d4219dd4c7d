"""Photos uploaded with a report: read within the size limit, re-encoded (:mod:`civicdesk.domain.inbox.images`), stored.

Files get random names; the client's file name is never used.
"""

from __future__ import annotations

import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile

from civicdesk.channels.open311.errors import Problems
from civicdesk.domain.inbox.images import (
    CONTENT_TYPES,
    OPEN311_FOLDER,
    InvalidImage,
    cleaned,
    kind_of,
    open311_photo_path,
)

__all__ = ["CONTENT_TYPES", "discard", "path_of", "read_upload", "store"]
FOLDER = OPEN311_FOLDER


def read_upload(upload: UploadedFile, *, max_bytes: int, problems: Problems) -> tuple[bytes, str] | None:
    """The upload's cleaned bytes and kind, or None after noting why it is refused."""
    if upload.size is not None and upload.size > max_bytes:
        problems.add(f"media is {upload.size} bytes; the largest photo accepted is {max_bytes} bytes")
        return None
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        problems.add(f"media is larger than {max_bytes} bytes, the largest photo accepted")
        return None
    kind = kind_of(data)
    if kind is None:
        problems.add("media must be a JPEG, PNG, GIF or WebP image")
        return None
    try:
        return cleaned(data, kind)
    except InvalidImage as error:
        problems.add(f"media is {error}")
        return None


def store(data: bytes, kind: str) -> str:
    """Save the photo under a new random name; return that name (``<32 hex>.<ext>``)."""
    name = f"{secrets.token_hex(16)}.{kind}"
    default_storage.save(f"{FOLDER}/{name}", ContentFile(data))
    return name


def discard(name: str) -> None:
    default_storage.delete(f"{FOLDER}/{name}")


def path_of(name: str) -> str:
    return open311_photo_path(name)
