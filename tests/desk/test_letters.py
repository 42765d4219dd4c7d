"""The desk's "Register a letter or fax" page: the form, its refusals in words, the case it makes and the scan's
download (PK-CHANNELS, PK-MAIL-ANSWER, PK-PRIV)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from civicdesk.domain.cases.models import Case, JournalEntry
from civicdesk.domain.inbox.models import ScannedDocument
from civicdesk.domain.people.models import Contact
from tests.fixtures.clock import local

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
URL = "/desk/letters/new/"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path) -> Iterator[Path]:
    with override_settings(DATA_DIR=tmp_path):
        yield tmp_path


def letter(city: Any, scan: SimpleUploadedFile | None = None, **fields: str) -> dict[str, Any]:
    return {
        "channel": "letter",
        "received_on": "2026-11-10",  # last Tuesday; the desk is at Tuesday 17 November 10:00
        "kind": "service_request",
        "service": str(city.service("TREE-PRUNE").pk),
        "description": "Please prune the maple in front of 40 Oak St.",
        "contact_name": "Pat Resident",
        "contact_title": "ms",
        "contact_address": "40 Oak St, Pickering ON L1V 1A1",
        "language": "en",
        "scan": scan or SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf"),
        **fields,
    }


def rows() -> dict[str, int]:
    return {m.__name__: m._default_manager.count() for m in (Case, Contact, JournalEntry, ScannedDocument)}


def test_the_page_is_linked_beside_new_case_and_takes_a_file(signed_in) -> None:
    csr = signed_in("csr.alex")
    home = csr.get(reverse("desk:new_case")).content.decode()
    assert f'href="{URL}"' in home
    page = csr.get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'enctype="multipart/form-data"' in text
    assert 'type="date"' in text
    assert 'name="received_on"' in text
    assert 'value="2026-11-17"' in text
    assert 'type="file"' in text


def test_pk_mail_answer_a_letter_registered_at_the_desk_counts_from_the_day_it_arrived(city, signed_in) -> None:
    csr = signed_in("csr.alex")
    response = csr.post(URL, letter(city), follow=True)
    assert response.status_code == 200
    case = Case.objects.get()
    assert response.redirect_chain[-1][0] == reverse("desk:case", args=[case.reference])
    text = response.content.decode()
    assert "its clocks count from" in text
    assert (case.channel, case.received_at) == ("letter", local(2026, 11, 10, 8, 30))
    # 15 business days after Tuesday 10 November (11 November is no holiday at Pickering's City Hall):
    # 11-13 (3), 16-20 (8), 23-27 (13), 30 Nov, 1 Dec (15) → Tuesday 1 December 16:30.
    assert case.commitments.get(standard="PK-MAIL-ANSWER").due_at == local(2026, 12, 1, 16, 30)

    scan = ScannedDocument.objects.get(case=case)
    link = reverse("desk:scan", args=[case.reference, scan.pk])
    assert link in text
    assert "Download letter.pdf" in text
    download = csr.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/octet-stream"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "Letter received on Tuesday 10 November 2026" in text  # the journal


def test_a_fax_with_a_png_scan(city, signed_in) -> None:
    scan = SimpleUploadedFile("fax.png", PNG, content_type="image/png")
    response = signed_in("csr.alex").post(URL, letter(city, scan=scan, channel="fax"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == "fax"
    assert ScannedDocument.objects.get(case=case).content_type == "image/png"


@pytest.mark.parametrize(
    ("fields", "scan", "words"),
    [
        ({"received_on": "2026-11-18"}, None, "is in the future"),
        ({"received_on": "2020-01-06"}, None, "more than a year ago"),
        ({}, SimpleUploadedFile("letter.pdf", b"MZ\x90\x00" + b"\x00" * 200), "not a PDF, PNG, JPEG or TIFF"),
        ({}, SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024)), "the largest taken is 20 MB"),
        ({"channel": "email"}, None, "Select a valid choice"),
        ({"service": ""}, None, "needs a service"),
    ],
)
def test_bad_letters_are_refused_in_words_and_nothing_is_saved(city, signed_in, data_dir, fields, scan, words) -> None:
    before = rows()
    response = signed_in("csr.alex").post(URL, letter(city, scan=scan, **fields))
    assert response.status_code == 422
    text = response.content.decode()
    assert words in text
    assert "error-summary" in text
    assert rows() == before
    assert not list(data_dir.rglob("*"))


def test_a_letter_without_its_scan_is_refused(city, signed_in) -> None:
    data = letter(city)
    del data["scan"]
    response = signed_in("csr.alex").post(URL, data)
    assert response.status_code == 422
    assert not Case.objects.exists()


def test_pk_priv_the_scan_shows_who_wrote_so_only_roles_that_see_residents_download_it(city, signed_in) -> None:
    signed_in("csr.alex").post(URL, letter(city))
    case = Case.objects.get()
    scan = ScannedDocument.objects.get(case=case)
    link = reverse("desk:scan", args=[case.reference, scan.pk])

    manager = signed_in("manager")  # reads every case, never who raised it
    page = manager.get(reverse("desk:case", args=[case.reference])).content.decode()
    assert link not in page
    assert "your role does not show it" in page
    assert manager.get(link).status_code == 403
    # Another department's staff do not see the case at all.
    assert signed_in("staff.roads").get(link).status_code == 404
    # Forestry, whose case it is, reads the letter.
    assert signed_in("staff.forestry").get(link).status_code == 200


def test_staff_who_do_not_take_cases_cannot_register_letters(city, signed_in) -> None:
    assert signed_in("manager").get(URL).status_code == 403
    assert signed_in("manager").post(URL, letter(city)).status_code == 403
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("language", "title", "refusal"),
    [
        ("fr", "Enregistrer une lettre ou une télécopie", "pas un fichier PDF, PNG, JPEG ou TIFF"),
        ("es", "Registrar una carta o un fax", "no es un archivo PDF, PNG, JPEG o TIFF"),
    ],
)
def test_the_page_and_its_refusals_in_french_and_spanish(city, language, title, refusal) -> None:
    client = Client(headers={"Accept-Language": language})
    client.force_login(city.csr)
    assert title in client.get(URL).content.decode()
    refused = client.post(URL, letter(city, scan=SimpleUploadedFile("letter.pdf", b"MZ\x90\x00")))
    assert refused.status_code == 422
    assert refusal in refused.content.decode()
