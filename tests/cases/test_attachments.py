"""Files on a case through the public actions: photos re-encoded without metadata, documents kept, refusals in words."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicdesk.domain.cases import actions, journal
from civicdesk.domain.cases.errors import InvalidInput, NotAllowed, TransitionRefused
from civicdesk.domain.cases.models import Action, CaseAttachment, JournalEntry
from civicdesk.domain.inbox import storage
from tests.fixtures.city import City, new_complaint
from tests.fixtures.files import (
    OWNER,
    PDF,
    PHP_AS_JPEG,
    decompression_bomb,
    docx,
    gps_of,
    kept_files,
    photo_with_gps,
    plain_zip,
)

__all__ = ["kept_files"]

pytestmark = pytest.mark.usefixtures("kept_files")


def _upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, "image/jpeg")


def test_a_photo_is_kept_re_encoded_with_no_gps_or_owner_left(city: City) -> None:
    case = new_complaint(city)
    sent = photo_with_gps()
    assert gps_of(sent)  # the photo really carries its position
    assert OWNER.encode() in sent

    row = actions.attach_file(case=case, actor=city.csr, upload=_upload(sent), public=True, caption="The limb")

    kept = storage.path_of(row.sha256).read_bytes()
    assert kept != sent
    assert gps_of(kept) == {}
    assert OWNER.encode() not in kept
    assert b"Pixel 9" not in kept
    assert b"Exif" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert image.size == (640, 480)
        assert not image.getexif()
    with Image.open(storage.path_of(row.thumbnail_sha256)) as thumbnail:
        assert max(thumbnail.size) == 320
    assert (row.content_type, row.is_image, row.public, row.caption) == ("image/jpeg", True, True, "The limb")
    entry = JournalEntry.objects.filter(case=case).order_by("-sequence").first()
    assert entry is not None
    assert entry.action == Action.FILE_ATTACHED
    assert entry.note == f"Photo added by {city.csr.get_full_name()}: The limb"
    assert journal.verify(case) == []


def test_a_pdf_and_a_word_document_are_kept_as_sent(city: City) -> None:
    case = new_complaint(city)
    pdf = actions.attach_file(case=case, actor=city.csr, upload=_upload(PDF, "scan.jpg"), public=False)
    word = actions.attach_file(case=case, actor=city.csr, upload=_upload(docx(), "letter.docx"), public=False)
    assert pdf.content_type == "application/pdf"  # from the content, whatever the name says
    assert storage.path_of(pdf.sha256).read_bytes() == PDF
    assert word.content_type.endswith("wordprocessingml.document")
    assert not pdf.is_image
    assert not pdf.thumbnail_sha256


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (PHP_AS_JPEG, "photo.jpg", "the file is not a photo (JPEG, PNG, WebP, GIF), a PDF or an office document"),
        (plain_zip(), "report.docx", "the file is not a photo"),
        (b"\xff\xd8\xff\xe0garbage", "photo.jpg", "the file is not a well-formed JPEG image"),
        (decompression_bomb(), "bomb.png", "the file has too many pixels; the largest photo accepted is 40 megapixels"),
        (b"", "empty.pdf", "the file is empty"),
    ],
    ids=["php-named-jpg", "zip-named-docx", "broken-jpeg", "decompression-bomb", "empty"],
)
def test_bad_files_are_refused_in_words_and_nothing_is_kept(city: City, data: bytes, name: str, words: str) -> None:
    case = new_complaint(city)
    entries = JournalEntry.objects.filter(case=case).count()
    with pytest.raises(InvalidInput) as refused:
        actions.attach_file(case=case, actor=city.csr, upload=_upload(data, name), public=True)
    assert words in refused.value.message
    assert refused.value.field == "file"
    assert not CaseAttachment.objects.filter(case=case).exists()
    assert JournalEntry.objects.filter(case=case).count() == entries
    assert not storage.folder().exists() or not any(storage.folder().rglob("*"))


def test_an_oversize_document_is_refused_before_it_is_read(city: City) -> None:
    case = new_complaint(city)
    big = SimpleUploadedFile("plans.pdf", PDF + b"0" * (20 * 1024 * 1024), "application/pdf")
    with pytest.raises(InvalidInput, match="the file is over 20 MB, the largest accepted"):
        actions.attach_file(case=case, actor=city.csr, upload=big, public=False)


def test_a_heic_photo_is_refused_with_what_to_do(city: City) -> None:
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    with pytest.raises(InvalidInput, match="HEIC photo, which cannot be opened here; send it as JPEG"):
        actions.attach_file(
            case=new_complaint(city), actor=city.csr, upload=_upload(heic, "IMG_0001.HEIC"), public=True
        )


def test_only_roles_that_work_cases_attach_and_only_in_their_scope(city: City) -> None:
    case = new_complaint(city)  # Forestry's tree
    with pytest.raises(NotAllowed):
        actions.attach_file(case=case, actor=city.manager, upload=_upload(photo_with_gps()), public=True)
    with pytest.raises(NotAllowed):
        actions.attach_file(case=case, actor=city.roads_staff, upload=_upload(photo_with_gps()), public=True)
    row = actions.attach_file(case=case, actor=city.forestry_staff, upload=_upload(photo_with_gps()), public=False)
    assert row.added_by == city.forestry_staff


def test_hiding_and_showing_a_file_is_journaled_and_a_second_time_refused(city: City) -> None:
    case = new_complaint(city)
    row = actions.attach_file(case=case, actor=city.csr, upload=_upload(photo_with_gps(), "pothole.jpg"), public=True)

    actions.show_to_resident(attachment=row, actor=city.forestry_staff, public=False)
    row.refresh_from_db()
    assert not row.public
    with pytest.raises(TransitionRefused, match="already hidden from the resident"):
        actions.show_to_resident(attachment=row, actor=city.forestry_staff, public=False)
    actions.show_to_resident(attachment=row, actor=city.forestry_staff, public=True)

    notes = list(JournalEntry.objects.filter(case=case).order_by("sequence").values_list("action", "note"))[-2:]
    assert notes == [
        (Action.FILE_HIDDEN, "pothole.jpg is hidden from the resident"),
        (Action.FILE_SHOWN, "pothole.jpg is shown to the resident"),
    ]
    assert journal.verify(case) == []
