"""Photos uploaded with a report: recognised by content, decoded and re-encoded with Pillow, stored.

Only JPEG, PNG, GIF and WebP are accepted, recognised by their first bytes
(never by name or declared type), so no HTML or SVG can be served back from
the city's domain. Every photo is then decoded and written out afresh from
its pixels alone: EXIF (with GPS), XMP, IPTC, comments, text chunks, colour
profiles and anything after the image (a motion photo's second picture) are
all left behind, since a phone photo's metadata can hold the owner's name, the
device and the exact place and time it was taken (PK-PRIV). The EXIF
orientation is applied to the pixels first, so the photo still stands upright.
A GIF keeps its first frame, stored as PNG. Images larger than
``MAX_PIXELS`` are refused before they are decoded (a decompression bomb is
a few kilobytes that unpack to gigabytes). Files get random names; the
client's file name is never used.
"""

from __future__ import annotations

import io
import secrets
import warnings

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

from civicdesk.channels.open311.errors import Problems

CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}
FOLDER = "open311"
MAX_PIXELS = 40_000_000  # 40 megapixels: every phone camera, far below what would exhaust memory
MAX_SIDE = 12_000
NAMES = {"jpg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WebP"}
PILLOW_FORMATS = {"jpg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}


class InvalidImage(ValueError):
    pass


def kind_of(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _decoded(data: bytes, kind: str) -> Image.Image:
    not_well_formed = InvalidImage(f"not a well-formed {NAMES[kind]}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]])
            width, height = image.size
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise InvalidImage(
                    f"{width} by {height} pixels; the largest photo accepted is {MAX_PIXELS // 1_000_000} megapixels"
                )
            image.load()
    except InvalidImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidImage(
            f"too many pixels; the largest photo accepted is {MAX_PIXELS // 1_000_000} megapixels"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_well_formed from None
    return image


def cleaned(data: bytes, kind: str) -> tuple[bytes, str]:
    """The photo re-encoded from its pixels alone, and the kind it is stored as."""
    image = _decoded(data, kind)
    try:
        upright = ImageOps.exif_transpose(image) or image
    except (OSError, SyntaxError, ValueError):  # unreadable EXIF: keep the pixels as they are
        upright = image
    # A fresh image holds the pixels and nothing else: no info dictionary, no EXIF, no ICC profile.
    mode = upright.mode
    if kind == "jpg":
        mode = "L" if mode in ("L", "1") else "RGB"
    elif mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        mode = "RGBA" if "A" in mode or "transparency" in upright.info else "RGB"
    pixels = upright.convert(mode) if mode != upright.mode else upright
    fresh = Image.new(pixels.mode, pixels.size)
    if pixels.mode == "P":
        fresh.putpalette(pixels.getpalette() or [])
    fresh.paste(pixels)
    out = io.BytesIO()
    if kind == "jpg":
        fresh.save(out, format="JPEG", quality=88, optimize=True)
        return out.getvalue(), "jpg"
    if kind == "webp":
        fresh.save(out, format="WEBP", quality=88)
        return out.getvalue(), "webp"
    fresh.save(out, format="PNG", optimize=True)  # PNG, and a GIF's first frame
    return out.getvalue(), "png"


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
    return f"{FOLDER}/{name}"
