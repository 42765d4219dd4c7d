"""Photos received from residents and staff: recognised by content, decoded and re-encoded with Pillow.

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
a few kilobytes that unpack to gigabytes). HEIC (an iPhone's own format) is
recognised only to say so: this Pillow cannot decode it.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}
MAX_PIXELS = 40_000_000  # 40 megapixels: every phone camera, far below what would exhaust memory
MAX_SIDE = 12_000
NAMES = {"jpg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WebP"}
PILLOW_FORMATS = {"jpg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}
THUMBNAIL_SIDE = 320
# Open311 keeps a report's photo in the default file storage, under a random name in this folder.
OPEN311_FOLDER = "open311"


class InvalidImage(ValueError):
    """Why a photo cannot be kept; ``code`` is one of ``not_well_formed`` and ``too_many_pixels``."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


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


def is_heic(data: bytes) -> bool:
    """An HEIF/HEIC image (the ISO base media "ftyp" box with an HEIF brand)."""
    return data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1")


def _too_many_pixels() -> InvalidImage:
    return InvalidImage(
        f"too many pixels; the largest photo accepted is {MAX_PIXELS // 1_000_000} megapixels", code="too_many_pixels"
    )


def _decoded(data: bytes, kind: str) -> Image.Image:
    not_well_formed = InvalidImage(f"not a well-formed {NAMES[kind]}", code="not_well_formed")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]])
            width, height = image.size
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise InvalidImage(
                    f"{width} by {height} pixels; the largest photo accepted is {MAX_PIXELS // 1_000_000} megapixels",
                    code="too_many_pixels",
                )
            image.load()
    except InvalidImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_well_formed from None
    return image


def _fresh(data: bytes, kind: str) -> Image.Image:
    """The photo's pixels, upright, in a new image that holds nothing else: no info, no EXIF, no ICC profile."""
    image = _decoded(data, kind)
    try:
        upright = ImageOps.exif_transpose(image) or image
    except (OSError, SyntaxError, ValueError):  # unreadable EXIF: keep the pixels as they are
        upright = image
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
    return fresh


def _encode(image: Image.Image, kind: str) -> tuple[bytes, str]:
    out = io.BytesIO()
    if kind == "jpg":
        image.save(out, format="JPEG", quality=88, optimize=True)
        return out.getvalue(), "jpg"
    if kind == "webp":
        image.save(out, format="WEBP", quality=88)
        return out.getvalue(), "webp"
    image.save(out, format="PNG", optimize=True)  # PNG, and a GIF's first frame
    return out.getvalue(), "png"


def cleaned(data: bytes, kind: str) -> tuple[bytes, str]:
    """The photo re-encoded from its pixels alone, and the kind it is stored as."""
    return _encode(_fresh(data, kind), kind)


def cleaned_with_thumbnail(data: bytes, kind: str) -> tuple[bytes, str, bytes, tuple[int, int]]:
    """The re-encoded photo, its kind, a small copy at most ``THUMBNAIL_SIDE`` pixels a side, and its size."""
    fresh = _fresh(data, kind)
    photo, stored_kind = _encode(fresh, kind)
    small = fresh.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    thumbnail, _kind = _encode(small, stored_kind)
    return photo, stored_kind, thumbnail, fresh.size


def open311_photo_path(name: str) -> str:
    """Where in the default file storage Open311 keeps the photo stored under ``name``."""
    return f"{OPEN311_FOLDER}/{name}"
