"""Photos on the portal: a resident reports with photos, staff add files, the resident sees only what is public.

The whole life goes through the HTTP faces: the portal's form, the desk's case page and its file
forms, and the status page the receipt's link opens.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicdesk.domain.cases.models import AttachmentSource, Case, CaseAttachment, JournalEntry
from civicdesk.domain.inbox import storage
from civicdesk.domain.outbox.models import OutboxMessage
from tests.fixtures.city import City
from tests.fixtures.files import PDF, PHP_AS_JPEG, decompression_bomb, gps_of, kept_files, photo_with_gps, plain_png
from tests.portal.test_portal import complaint_form, report_url

__all__ = ["kept_files"]

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kept_files")]

LINK = re.compile(r"http://testserver/status/([A-Za-z0-9_-]{20,})/")
IMAGE = re.compile(r'<img src="(/status/files/[^"]+)"')
FILE_LINK = re.compile(r'<a href="(/status/files/[^"/]+/)"')


def _photo(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else photo_with_gps(), "image/jpeg")


def _report(city: City, client: Client, photos: list[SimpleUploadedFile], **extra: Any) -> Any:
    return client.post(report_url(city), {**complaint_form(city, language="en", **extra), "photos": photos})


def _status_link(case: Case) -> str:
    body = OutboxMessage.objects.get(case=case, kind="receipt").body
    match = LINK.search(body)
    assert match, body
    return match.group(0).replace("http://testserver", "")


def test_whole_life_the_resident_sees_only_what_is_public(city: City) -> None:
    resident = Client()
    response = _report(city, resident, [_photo("branches.jpg")])
    assert response.status_code == 302, response.content.decode()
    case = Case.objects.get()
    (theirs,) = CaseAttachment.objects.filter(case=case)
    assert (theirs.source, theirs.public, theirs.added_by_label) == (AttachmentSource.RESIDENT, True, "resident (web)")
    assert gps_of(storage.path_of(theirs.sha256).read_bytes()) == {}  # the GPS the phone wrote is gone

    # Staff see the resident's photo, then add a private scan and a public photo.
    staff = Client()
    staff.force_login(city.forestry_staff)
    page = staff.get(reverse("desk:case", args=[case.reference])).content.decode()
    assert reverse("desk:case_file_thumbnail", args=[case.reference, theirs.pk]) in page
    attach = reverse("desk:attach_file", args=[case.reference])
    scan = SimpleUploadedFile("letter-scan.pdf", PDF, "application/pdf")
    assert staff.post(attach, {"file-file": scan, "file-caption": "Letter from the resident"}).status_code == 302
    after = SimpleUploadedFile("cleared.png", plain_png(), "image/png")
    assert (
        staff.post(attach, {"file-file": after, "file-caption": "Lawn cleared", "file-public": "on"}).status_code == 302
    )
    scan_row = CaseAttachment.objects.get(case=case, original_name="letter-scan.pdf")
    assert not scan_row.public

    # The resident's status page shows their photo and the public one, never the scan.
    link = _status_link(case)
    status = Client().get(link).content.decode()
    images = IMAGE.findall(status)
    assert len(images) == 2
    assert "Lawn cleared" in status
    assert "letter-scan.pdf" not in status
    assert "Letter from the resident" not in status
    shown = Client().get(images[0])
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/jpeg"
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in shown["Content-Security-Policy"]

    # A staff member hides the resident's photo: the page no longer shows it and its link stops working.
    hide = reverse("desk:case_file_public", args=[case.reference, theirs.pk])
    assert staff.post(hide, {"public": "0"}).status_code == 302
    status = Client().get(link).content.decode()
    assert len(IMAGE.findall(status)) == 1
    assert Client().get(images[0]).status_code == 404
    assert JournalEntry.objects.filter(case=case, action="file_hidden").count() == 1

    # Shown again (the second round), it is back.
    assert staff.post(hide, {"public": "1"}).status_code == 302
    assert len(IMAGE.findall(Client().get(link).content.decode())) == 2


def test_up_to_three_photos_are_kept(city: City) -> None:
    response = _report(city, Client(), [_photo(f"p{n}.jpg") for n in range(1, 4)])
    assert response.status_code == 302
    assert CaseAttachment.objects.filter(public=True, is_image=True).count() == 3


@pytest.mark.parametrize(
    ("photos", "words"),
    [
        (
            [_photo("ok.jpg"), _photo("shell.jpg", PHP_AS_JPEG)],
            "Photo 2 is not an image: send a JPEG, PNG, WebP or GIF",
        ),
        (
            [_photo("huge.jpg", b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024))],
            "Photo 1 is over 10 MB, the largest accepted",
        ),
        ([_photo("bomb.png", decompression_bomb())], "Photo 1 has too many pixels; the largest photo accepted is 40"),
        ([_photo("scan.pdf", PDF)], "Photo 1 is not an image"),
        ([_photo(f"p{n}.jpg") for n in range(4)], "You chose 4 photos; send up to 3."),
    ],
    ids=["php-named-jpg-second", "over-10-mb", "decompression-bomb", "pdf", "four-photos"],
)
def test_a_bad_photo_refuses_the_report_in_words_and_keeps_the_other_answers(
    city: City, photos: list[SimpleUploadedFile], words: str
) -> None:
    response = _report(city, Client(), photos, description="Branches everywhere on my lawn.")
    assert response.status_code == 422
    page = response.content.decode()
    assert words in page
    assert "Branches everywhere on my lawn." in page  # the resident's words are kept
    assert 'value="12 Elm St"' in page
    assert not Case.objects.exists()
    assert not CaseAttachment.objects.exists()


def test_the_form_offers_the_photo_field_with_its_limits(city: City) -> None:
    page = Client().get(report_url(city)).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert re.search(r'<input type="file" name="photos"[^>]*accept="image/jpeg,image/png,image/webp,image/gif"', page)
    assert "Up to 3 photos" in page


def test_a_forged_or_stale_file_link_is_a_404(city: City, now: Any) -> None:
    assert _report(city, Client(), [_photo("a.jpg")]).status_code == 302
    link = _status_link(Case.objects.get())
    (image,) = IMAGE.findall(Client().get(link).content.decode())
    assert Client().get(image.replace("/status/files/", "/status/files/x")).status_code == 404
    now.advance(timedelta(hours=2))
    assert Client().get(image).status_code == 404


def test_a_refused_photo_is_named_in_the_residents_language(city: City) -> None:
    client = Client(headers={"accept-language": "fr"})
    client.cookies["django_language"] = "fr"
    response = _report(city, client, [_photo("ok.jpg"), _photo("shell.jpg", PHP_AS_JPEG)])
    assert response.status_code == 422
    assert "Photo 2 n\u2019est pas une image : envoyez une photo JPEG, PNG, WebP ou GIF" in response.content.decode()
