"""Scans of letters and faxes: which files are taken, recognised by their first bytes, never by name or declared type.

A scanner or fax server writes PDF or TIFF; a phone photo of a letter is JPEG or PNG. Anything else (a program
renamed ``letter.pdf``, an HTML page, an empty file) is refused in words before anything is saved. The file is
kept as it came, as evidence of what the city received, and only ever served back as a download.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

MAX_SCAN_BYTES = 20 * 1024 * 1024
SCAN_TYPES = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/tiff": "TIFF",
}


class ScanRefused(ValueError):
    """A file that is not a scan civicdesk keeps; the message says why, for the person who chose it."""


def type_of(content: bytes) -> str | None:
    """The scan's media type from its first bytes, or None for anything not taken."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    return None


def check_size(size: int) -> None:
    """ScanRefused for a file too large to keep (a channel asks before it reads the upload into memory)."""
    if size > MAX_SCAN_BYTES:
        raise ScanRefused(
            _("The scan is %(size).1f MB; the largest taken is %(limit)d MB. Scan it at a lower resolution.")
            % {"size": size / (1024 * 1024), "limit": MAX_SCAN_BYTES // (1024 * 1024)}
        )


def checked(content: bytes) -> str:
    """The media type of an acceptable scan, or ScanRefused saying what is wrong with it."""
    if not content:
        raise ScanRefused(_("The scan is an empty file; choose the scanned letter or fax."))
    check_size(len(content))
    media_type = type_of(content)
    if media_type is None:
        raise ScanRefused(
            _("The scan is not a PDF, PNG, JPEG or TIFF file (whatever its name says); save it in one of those.")
        )
    return media_type
