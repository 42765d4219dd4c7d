"""What a case may carry as a file, recognised from its content (never its name or declared type).

Photos (JPEG, PNG, GIF, WebP) are re-encoded from their pixels so no metadata
survives (:mod:`civicdesk.domain.inbox.images`), and get a small copy for
lists. PDFs and office documents (Word, Excel, PowerPoint, OpenDocument) are
kept as sent, within ``MAX_DOCUMENT_BYTES``, and only ever served as a
download. Everything else is refused in words that name the file.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

from civicdesk.domain.cases.errors import InvalidInput
from civicdesk.domain.inbox import images

MB = 1024 * 1024
MAX_PHOTO_BYTES = 10 * MB
MAX_DOCUMENT_BYTES = 20 * MB
NAME_LENGTH = 255

PDF = "application/pdf"
OLE = "application/x-ole-storage"  # Word, Excel or PowerPoint before 2007: the format the name says
OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ODF = (
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.oasis.opendocument.graphics",
)


@dataclass(frozen=True)
class PreparedFile:
    """A file checked and ready to keep: what will be stored, not what was sent."""

    content: bytes
    content_type: str
    name: str
    is_image: bool
    width: int | None = None
    height: int | None = None
    thumbnail: bytes = b""


def _office_type(data: bytes) -> str | None:
    """The type of an OOXML or OpenDocument file, read from its zip directory (nothing is unpacked but a name)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "[Content_Types].xml" in names:
                for prefix, content_type in OOXML.items():
                    if any(name.startswith(prefix) for name in names):
                        return content_type
                return None
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                return declared if declared in ODF else None
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError):
        return None
    return None


def document_type(data: bytes) -> str | None:
    """The type of a PDF or office document, from its content; ``None`` for anything else."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    return None


def _size_in_mb(limit: int) -> int:
    return limit // MB


def prepare(upload: IO[bytes], *, name: str, size: int | None, what: str, photos_only: bool = False) -> PreparedFile:
    """Check ``upload`` and make what will be kept of it; ``what`` names it in errors ("photo 2", "the file").

    Raises :class:`InvalidInput` naming the problem: too large, empty, not an accepted type, a photo that does
    not decode, or one with too many pixels (a decompression bomb is refused before it is decoded).
    """
    limit = MAX_PHOTO_BYTES if photos_only else MAX_DOCUMENT_BYTES
    too_large = InvalidInput(
        _("%(what)s is over %(limit)s MB, the largest accepted") % {"what": what, "limit": _size_in_mb(limit)},
        field="file",
        code="too_large",
    )
    if size is not None and size > limit:
        raise too_large
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large
    if not data:
        raise InvalidInput(_("%(what)s is empty") % {"what": what}, field="file", code="empty")
    kept_name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:NAME_LENGTH]
    kind = images.kind_of(data)
    if kind is not None:
        if len(data) > MAX_PHOTO_BYTES:
            raise InvalidInput(
                _("%(what)s is over %(limit)s MB, the largest photo accepted")
                % {"what": what, "limit": _size_in_mb(MAX_PHOTO_BYTES)},
                field="file",
                code="too_large",
            )
        return _photo(data, kind, kept_name, what)
    if images.is_heic(data):
        raise InvalidInput(
            _(
                "%(what)s is a HEIC photo, which cannot be opened here; send it as JPEG (on an iPhone: Settings, "
                "Camera, Formats, Most Compatible)"
            )
            % {"what": what},
            field="file",
            code="unsupported_type",
        )
    if photos_only:
        raise InvalidInput(
            _("%(what)s is not an image: send a JPEG, PNG, WebP or GIF photo") % {"what": what},
            field="file",
            code="unsupported_type",
        )
    content_type = document_type(data)
    if content_type is None:
        raise InvalidInput(
            _(
                "%(what)s is not a photo (JPEG, PNG, WebP, GIF), a PDF or an office document (Word, Excel, "
                "PowerPoint, OpenDocument)"
            )
            % {"what": what},
            field="file",
            code="unsupported_type",
        )
    return PreparedFile(content=data, content_type=content_type, name=kept_name, is_image=False)


def _photo(data: bytes, kind: str, name: str, what: str) -> PreparedFile:
    try:
        photo, stored_kind, thumbnail, (width, height) = images.cleaned_with_thumbnail(data, kind)
    except images.InvalidImage as error:
        if error.code == "too_many_pixels":
            message = _("%(what)s has too many pixels; the largest photo accepted is %(megapixels)s megapixels") % {
                "what": what,
                "megapixels": images.MAX_PIXELS // 1_000_000,
            }
        else:
            message = _("%(what)s is not a well-formed %(format)s image") % {"what": what, "format": images.NAMES[kind]}
        raise InvalidInput(message, field="file", code="invalid_image") from None
    if stored_kind != kind and "." in name:  # a GIF is kept as PNG: the name says what it now is
        name = f"{name.rsplit('.', 1)[0]}.{stored_kind}"
    return PreparedFile(
        content=photo,
        content_type=images.CONTENT_TYPES[stored_kind],
        name=name,
        is_image=True,
        width=width,
        height=height,
        thumbnail=thumbnail,
    )
