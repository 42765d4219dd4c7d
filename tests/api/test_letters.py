"""POST /letters: a letter or fax registered with its scan (multipart), clocks from the day it arrived; refusals are
the API's 422 naming the field, with nothing written (PK-MAIL-ANSWER)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from civicdesk.domain.inbox.models import ScannedDocument
from tests.api.conftest import BASE, PERSONAS, row_counts

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path) -> Iterator[Path]:
    with override_settings(DATA_DIR=tmp_path):
        yield tmp_path


def post_letter(api: Any, scan: SimpleUploadedFile | bool | None = None, **fields: Any) -> Any:
    data: dict[str, Any] = {
        "channel": "letter",
        "received_on": "2026-11-10",  # last Tuesday (the API is at Tuesday 17 November)
        "kind": "service_request",
        "service": "TREE-PRUNE",
        "description": "Please prune the maple in front of 40 Oak St.",
        "contact_name": "Pat Resident",
        "contact_address": "40 Oak St, Pickering ON",
        **fields,
    }
    if scan is not False:  # False: sent without its scan
        data["scan"] = scan or SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    return api.client.post(BASE + "/letters", data, headers=api._headers(None))


def test_a_letter_posted_with_its_scan_owes_its_answer_from_the_day_it_arrived(api_as: Any) -> None:
    response = post_letter(api_as("csr.alex"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["channel"], body["received_at"]) == ("letter", "2026-11-10T13:30:00+00:00")  # 08:30 Toronto
    by_standard = {c["standard"]: c for c in body["commitments"]}
    # 15 business days after Tuesday 10 November → Tuesday 1 December, 16:30 Toronto.
    assert by_standard["PK-MAIL-ANSWER"]["due_at"] == "2026-12-01T21:30:00+00:00"
    assert body["scan"]["content_type"] == "application/pdf"
    assert body["scan"]["received_on"] == "2026-11-10"
    assert ScannedDocument.objects.get().case.reference == body["reference"]


@pytest.mark.parametrize(
    ("fields", "scan", "field", "words"),
    [
        ({"received_on": "2026-11-18"}, None, "received_on", "in the future"),
        ({"received_on": "10/11/2026"}, None, "received_on", "date"),
        ({}, SimpleUploadedFile("letter.pdf", b"MZ\x90\x00" + b"\x00" * 100), "scan", "not a PDF"),
        ({}, SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024)), "scan", "20 MB"),
        ({}, False, "scan", "required"),
        ({"channel": "email"}, None, "channel", ""),
        ({"service": "NOPE"}, None, "service", "no service with code"),
    ],
)
def test_bad_letters_are_a_422_naming_the_field_with_nothing_written(
    api_as: Any, data_dir: Path, fields: dict[str, Any], scan: Any, field: str, words: str
) -> None:
    before = row_counts()
    response = post_letter(api_as("csr.alex"), scan=scan, **fields)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["field"] == field
    assert words in error["message"]
    assert row_counts() == before
    assert not ScannedDocument.objects.exists()
    assert not list(data_dir.rglob("*"))


def test_role_matrix_as_for_creating_a_case(api_as: Any) -> None:
    """Who may register a letter is who may create a case: every working role, not managers or shoppers."""
    outcome = {}
    for persona in PERSONAS:
        before = row_counts()
        response = post_letter(api_as(persona))
        outcome[persona] = response.status_code
        if response.status_code >= 400:
            assert row_counts() == before
    assert outcome == {**dict.fromkeys(PERSONAS, 201), "manager": 403, "shopper": 403}
    assert post_letter(api_as(None)).status_code == 401
    assert ScannedDocument.objects.count() == len(PERSONAS) - 2
