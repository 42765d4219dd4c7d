"""Photos are decoded and re-encoded with Pillow: no metadata block survives, and bombs are refused undecoded.

Found on main: GIF comments and XMP were served unchanged, and a JPEG's data
after its first end-of-image marker (a motion photo's second picture) kept
that picture's EXIF with GPS.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.open311.conftest import Open311, errors_of

LOCATION = {"lat": "43.835400", "long": "-79.086700"}
SECRET = "GPS 43.8354 -79.0867 owner=Priya Ramanathan"
XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    f"<rdf:Description>{SECRET}</rdf:Description></rdf:RDF></x:xmpmeta>"
)


def _exif() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = SECRET  # ImageDescription
    exif[0x013B] = "Priya Ramanathan"  # Artist
    return exif.tobytes()


def _encoded(fmt: str, size: tuple[int, int] = (8, 6), **options: Any) -> bytes:
    out = io.BytesIO()
    mode = "P" if fmt == "GIF" else "RGB"
    Image.new(mode, size, 3 if mode == "P" else (10, 120, 200)).save(out, format=fmt, **options)
    return out.getvalue()


def _post(o311: Open311, data: bytes, name: str) -> Any:
    upload = SimpleUploadedFile(name, data, "application/octet-stream")
    return o311.client.post(
        "/open311/v2/requests.json", {"api_key": o311.key, "service_code": "GRAFFITI", **LOCATION, "media": upload}
    )


def _stored(media_root: Path) -> bytes:
    (stored,) = list((media_root / "open311").iterdir())
    return stored.read_bytes()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _motion_photo() -> bytes:
    """A JPEG followed by a second JPEG carrying EXIF, as phones write motion photos."""
    return _encoded("JPEG") + _encoded("JPEG", exif=_exif())


def _gif_with_xmp() -> bytes:
    """A GIF with an "XMP DataXMP" application extension before its image."""
    plain = _encoded("GIF", comment=b"x")  # a comment makes Pillow write GIF89a, which has extensions
    payload = XMP.encode()
    blocks = b"".join(bytes([len(part)]) + part for part in (payload[i : i + 255] for i in range(0, len(payload), 255)))
    extension = b"\x21\xff\x0bXMP DataXMP" + blocks + b"\x00"
    image = plain.index(b"\x2c\x00\x00\x00\x00")  # the image descriptor at (0, 0)
    return plain[:image] + extension + plain[image:]


def _png_with_xmp_itxt() -> bytes:
    plain = _encoded("PNG")
    itxt = _png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + XMP.encode())
    end = plain.rindex(b"IEND") - 4
    return plain[:end] + itxt + plain[end:]


CASES = {
    "gif-comment": (_encoded("GIF", comment=SECRET.encode()), "photo.gif"),
    "gif-xmp-application-extension": (_gif_with_xmp(), "photo.gif"),
    "jpeg-exif": (_encoded("JPEG", exif=_exif()), "photo.jpg"),
    "jpeg-xmp": (_encoded("JPEG", xmp=XMP.encode()), "photo.jpg"),
    "jpeg-comment": (_encoded("JPEG", comment=SECRET.encode()), "photo.jpg"),
    "jpeg-motion-photo": (_motion_photo(), "photo.jpg"),
    "png-xmp": (_png_with_xmp_itxt(), "photo.png"),
    "png-exif": (_encoded("PNG", exif=_exif()), "photo.png"),
    "webp-exif-xmp": (_encoded("WEBP", exif=_exif(), xmp=XMP.encode()), "photo.webp"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_no_metadata_block_survives_upload(o311: Open311, city: Any, media_root: Path, case: str) -> None:
    data, name = CASES[case]
    assert b"Priya" in data  # the upload really carries it

    response = _post(o311, data, name)

    assert response.status_code == 200, response.content
    stored = _stored(media_root)
    assert b"Priya" not in stored
    assert b"43.8354" not in stored
    assert b"Exif" not in stored
    assert b"xmpmeta" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (8, 6)
        assert not image.getexif()


def test_the_exif_orientation_is_applied_to_the_pixels(o311: Open311, city: Any, media_root: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    response = _post(o311, _encoded("JPEG", size=(8, 6), exif=exif.tobytes()), "photo.jpg")
    assert response.status_code == 200, response.content
    with Image.open(io.BytesIO(_stored(media_root))) as image:
        assert image.size == (6, 8)


def test_a_decompression_bomb_is_refused_before_it_is_decoded(o311: Open311, city: Any, media_root: Path) -> None:
    from civicdesk.domain.cases.models import Case

    # 60,000 by 60,000 pixels of zeros: a few kilobytes that would decode to over 10 GB.
    header = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 60_000, 60_000, 8, 2, 0, 0, 0))
    rows = zlib.compress(b"\x00" * (60_000 * 3 + 1) * 10)
    bomb = b"\x89PNG\r\n\x1a\n" + header + _png_chunk(b"IDAT", rows) + _png_chunk(b"IEND", b"")

    response = _post(o311, bomb, "bomb.png")

    assert response.status_code == 400
    assert "megapixels" in errors_of(response)[0]["description"]
    assert not Case.objects.exists()
    assert not (media_root / "open311").exists() or not list((media_root / "open311").iterdir())


def test_a_truncated_image_is_refused_as_not_well_formed(o311: Open311, city: Any) -> None:
    response = _post(o311, _encoded("PNG")[:40], "photo.png")
    assert response.status_code == 400
    assert "not a well-formed PNG" in errors_of(response)[0]["description"]
