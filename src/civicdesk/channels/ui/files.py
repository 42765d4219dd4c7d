"""Files served back to a browser, the one way every channel serves them: nothing in them can run.

A download is always ``application/octet-stream`` with ``Content-Disposition: attachment``, so a
browser saves it and never renders it as a page. A photo is served inline only as the re-encoded
image civicdesk wrote itself, with its own image type. Both carry ``nosniff`` (no guessing a type)
and a sandboxing Content-Security-Policy (nothing in them runs, even opened directly).
"""

from __future__ import annotations

from typing import IO

from django.http import FileResponse

SANDBOX = "default-src 'none'; sandbox"
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


def _safe(response: FileResponse, cache: str) -> FileResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    response["Cache-Control"] = cache
    return response


def download(content: IO[bytes], *, filename: str, cache: str = "private, no-store") -> FileResponse:
    """A file to save, never to open in the browser."""
    response = FileResponse(content, as_attachment=True, filename=filename, content_type="application/octet-stream")
    return _safe(response, cache)


def image(content: IO[bytes], *, content_type: str, cache: str = "private, no-store") -> FileResponse:
    """A re-encoded photo shown in a page; any other type is a download (see :func:`download`)."""
    if content_type not in INLINE_TYPES:
        raise ValueError(f"{content_type} is not served inline")
    return _safe(FileResponse(content, content_type=content_type), cache)
