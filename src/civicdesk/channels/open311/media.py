"""Photos uploaded with a report: checked by content (not by name or declared type), stripped of metadata, stored.

Only JPEG, PNG, GIF and WebP are accepted, recognised by their first bytes,
so no HTML or SVG can be served back from the city's domain. EXIF, XMP, IPTC
and text chunks are removed before storing: a phone photo's metadata can
hold the owner's name, the device and the exact place and time it was taken
(PK-PRIV). Files get random names; the client's file name is never used.
"""

from __future__ import annotations

import secrets
import struct

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile

from civicdesk.channels.open311.errors import Problems

CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}
FOLDER = "open311"


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


def _strip_jpeg(data: bytes) -> bytes:
    # Drops APP1 (EXIF, XMP), APP13 (IPTC) and comments; keeps the rest (APP2 colour profile, APP14 Adobe).
    out = bytearray(data[:2])
    i = 2
    while i < len(data):
        if data[i] != 0xFF or i + 1 >= len(data):
            raise InvalidImage("not a well-formed JPEG")
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker == 0xDA or marker == 0xD9:  # start of scan: the rest is image data
            out += data[i:]
            return bytes(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out += data[i : i + 2]
            i += 2
            continue
        if i + 4 > len(data):
            raise InvalidImage("not a well-formed JPEG")
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        end = i + 2 + length
        if length < 2 or end > len(data):
            raise InvalidImage("not a well-formed JPEG")
        if marker not in (0xE1, 0xED, 0xFE):
            out += data[i:end]
        i = end
    raise InvalidImage("not a well-formed JPEG")


def _strip_png(data: bytes) -> bytes:
    out = bytearray(data[:8])
    i = 8
    while i + 12 <= len(data):
        length = struct.unpack(">I", data[i : i + 4])[0]
        chunk_type = data[i + 4 : i + 8]
        end = i + 12 + length
        if end > len(data):
            raise InvalidImage("not a well-formed PNG")
        if chunk_type not in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"):
            out += data[i:end]
        i = end
        if chunk_type == b"IEND":
            return bytes(out)
    raise InvalidImage("not a well-formed PNG")


def _strip_webp(data: bytes) -> bytes:
    chunks = bytearray()
    i = 12
    while i + 8 <= len(data):
        fourcc = data[i : i + 4]
        size = struct.unpack("<I", data[i + 4 : i + 8])[0]
        end = i + 8 + size + (size & 1)
        if i + 8 + size > len(data):
            raise InvalidImage("not a well-formed WebP")
        chunk = bytearray(data[i : min(end, len(data))])
        if fourcc == b"VP8X" and size >= 1:
            chunk[8] &= ~0x0C & 0xFF  # the EXIF and XMP flags: their chunks are gone
        if fourcc not in (b"EXIF", b"XMP "):
            chunks += chunk
        i = end
    return b"RIFF" + struct.pack("<I", len(chunks) + 4) + b"WEBP" + bytes(chunks)


def cleaned(data: bytes, kind: str) -> bytes:
    if kind == "jpg":
        return _strip_jpeg(data)
    if kind == "png":
        return _strip_png(data)
    if kind == "webp":
        return _strip_webp(data)
    return data


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
        return cleaned(data, kind), kind
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
