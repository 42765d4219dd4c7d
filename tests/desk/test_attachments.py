"""Files on the desk's case page: attach, see, download with safe headers, mark public; the Open311 report's photo."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import reset_queries
from django.test import Client
from django.urls import reverse

from civicdesk.channels.open311.keys import issue_key
from civicdesk.domain.cases.models import Case, CaseAttachment, Channel, JournalEntry
from tests.fixtures.city import City, new_complaint
from tests.fixtures.files import PDF, PHP_AS_JPEG, decompression_bomb, kept_files, photo_with_gps, plain_png

__all__ = ["kept_files"]

pytestmark = pytest.mark.usefixtures("kept_files")
SignedIn = Callable[[str], Client]


def _attach(client: Client, case: Case, data: bytes, name: str, **fields: str) -> Any:
    upload = SimpleUploadedFile(name, data, "application/octet-stream")
    form = {"file-file": upload, **{f"file-{k}": v for k, v in fields.items()}}
    return client.post(reverse("desk:attach_file", args=[case.reference]), form)


def test_staff_attach_a_photo_and_a_scan_and_see_both_on_the_case_page(city: City, signed_in: SignedIn) -> None:
    case = new_complaint(city)
    staff = signed_in("staff.forestry")
    response = _attach(staff, case, photo_with_gps(), "limb.jpg", caption="Dead limb", public="on")
    assert response.status_code == 302
    assert response["Location"].endswith("#files-heading")
    assert _attach(staff, case, PDF, "inspection.pdf").status_code == 302

    page = staff.get(reverse("desk:case", args=[case.reference])).content.decode()
    photo, _scan = CaseAttachment.objects.filter(case=case).order_by("pk")
    assert f'src="{reverse("desk:case_file_thumbnail", args=[case.reference, photo.pk])}"' in page
    assert 'alt="Dead limb"' in page
    assert "Download inspection.pdf" in page
    assert "Shown to the resident" in page
    assert "Staff only" in page
    assert "Hide limb.jpg from the resident" in page
    assert "Show inspection.pdf to the resident" in page


def test_a_photo_is_served_as_its_image_and_a_document_only_as_a_download(city: City, signed_in: SignedIn) -> None:
    case = new_complaint(city)
    staff = signed_in("staff.forestry")
    _attach(staff, case, plain_png(), "after.png")
    _attach(staff, case, PDF, "scan.pdf")
    photo, scan = CaseAttachment.objects.filter(case=case).order_by("pk")

    for url in (
        reverse("desk:case_file", args=[case.reference, photo.pk]),
        reverse("desk:case_file_thumbnail", args=[case.reference, photo.pk]),
    ):
        shown = staff.get(url)
        assert shown.status_code == 200
        assert shown["Content-Type"] == "image/png"
        assert shown["X-Content-Type-Options"] == "nosniff"
        assert shown["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert "no-store" in shown["Cache-Control"]
    download = staff.get(reverse("desk:case_file", args=[case.reference, scan.pk]))
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith('attachment; filename="scan.pdf"')
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert staff.get(reverse("desk:case_file_thumbnail", args=[case.reference, scan.pk])).status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (PHP_AS_JPEG, "shell.jpg", "The file is not a photo (JPEG, PNG, WebP, GIF), a PDF or an office document"),
        (decompression_bomb(), "bomb.png", "The file has too many pixels"),
        (PDF + b"0" * (20 * 1024 * 1024), "plans.pdf", "The file is over 20 MB, the largest accepted"),
    ],
    ids=["php-named-jpg", "decompression-bomb", "oversize"],
)
def test_a_refused_file_is_named_on_the_page_and_nothing_is_saved(
    city: City, signed_in: SignedIn, data: bytes, name: str, words: str
) -> None:
    case = new_complaint(city)
    entries = JournalEntry.objects.filter(case=case).count()
    response = _attach(signed_in("staff.forestry"), case, data, name, caption="Kept caption")
    assert response.status_code == 422
    page = response.content.decode()
    assert words in page
    assert 'value="Kept caption"' in page
    assert '<details class="action" id="action-attach" open>' in page
    assert not CaseAttachment.objects.filter(case=case).exists()
    assert JournalEntry.objects.filter(case=case).count() == entries


def test_a_read_only_role_sees_files_but_cannot_attach_or_change_them(city: City, signed_in: SignedIn) -> None:
    case = new_complaint(city)
    _attach(signed_in("csr.alex"), case, plain_png(), "front.png")
    row = CaseAttachment.objects.get(case=case)
    manager = signed_in("manager")
    page = manager.get(reverse("desk:case", args=[case.reference])).content.decode()
    assert "Attach a file" not in page
    assert "Hide front.png from the resident" not in page
    assert manager.get(reverse("desk:case_file", args=[case.reference, row.pk])).status_code == 200
    assert _attach(manager, case, plain_png(), "more.png").status_code == 403
    manager.post(reverse("desk:case_file_public", args=[case.reference, row.pk]), {"public": "1"})
    row.refresh_from_db()
    assert not row.public


def test_files_of_a_case_in_another_department_are_not_found(city: City, signed_in: SignedIn) -> None:
    case = new_complaint(city)  # Forestry's
    _attach(signed_in("staff.forestry"), case, plain_png(), "tree.png")
    row = CaseAttachment.objects.get(case=case)
    roads = signed_in("staff.roads")
    assert roads.get(reverse("desk:case_file", args=[case.reference, row.pk])).status_code == 404
    assert _attach(roads, case, plain_png(), "x.png").status_code == 404


def _open311_report(city: City, **form: object) -> Case:
    key = issue_key(client_name="FixMyStreet")[1]
    body = {"api_key": key, "service_code": "GRAFFITI", "lat": "43.835400", "long": "-79.086700", **form}
    response = Client(REMOTE_ADDR="203.0.113.7").post("/open311/v2/requests.json", body)
    assert response.status_code == 200, response.content
    return Case.objects.filter(channel=Channel.OPEN311).order_by("-pk").first()  # type: ignore[return-value]


def test_the_photo_uploaded_with_an_open311_report_shows_on_the_case_page(city: City, signed_in: SignedIn) -> None:
    case = _open311_report(city, media=SimpleUploadedFile("wall.jpg", photo_with_gps(), "image/jpeg"))
    desk = signed_in("csr.alex")
    page = desk.get(reverse("desk:case", args=[case.reference])).content.decode()
    url = reverse("desk:open311_photo", args=[case.reference])
    assert f'<img src="{url}"' in page
    photo = desk.get(url)
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"
    assert photo["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in photo["Content-Security-Policy"]


def test_an_open311_media_url_is_a_link_that_opens_apart_never_embedded(city: City, signed_in: SignedIn) -> None:
    case = _open311_report(city, media_url="https://photos.example.net/wall.jpg")
    page = signed_in("csr.alex").get(reverse("desk:case", args=[case.reference])).content.decode()
    assert re.search(r'<a href="https://photos.example.net/wall.jpg" target="_blank" rel="noopener noreferrer">', page)
    assert '<img src="https://photos.example.net' not in page
    assert signed_in("csr.alex").get(reverse("desk:open311_photo", args=[case.reference])).status_code == 404


def test_a_case_from_another_channel_has_no_open311_photo(city: City, signed_in: SignedIn) -> None:
    case = new_complaint(city)
    page = signed_in("csr.alex").get(reverse("desk:case", args=[case.reference])).content.decode()
    assert "Sent with the Open311 report" not in page
    assert "No photos or files." in page


def test_the_case_page_reads_its_files_in_a_fixed_number_of_queries(
    city: City, signed_in: SignedIn, django_assert_max_num_queries: Any
) -> None:
    case = new_complaint(city)
    staff = signed_in("staff.forestry")
    _attach(staff, case, plain_png(), "one.png", public="on")
    url = reverse("desk:case", args=[case.reference])
    staff.get(url)  # the session and the city's profile are read once; count what a later visit costs
    reset_queries()  # the city's loading filled Django's query log, which would hide the count
    with django_assert_max_num_queries(60) as one:
        staff.get(url)
    with_one_file = len(one.captured_queries)
    for n in range(5):
        _attach(staff, case, PDF + str(n).encode(), f"scan-{n}.pdf")
    reset_queries()
    with django_assert_max_num_queries(with_one_file):
        page = staff.get(url).content.decode()
    assert page.count("Download scan-") == 5
