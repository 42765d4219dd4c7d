"""axe-core on the letter pages: the "Register a letter or fax" form, its error summary, and a case with its scan."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import override_settings

from civicdesk.domain.cases import actions
from tests.browser.conftest import LANGUAGES

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_letter_pages_have_no_axe_violations(city, open_browser, language, tmp_path):
    with override_settings(DATA_DIR=tmp_path):
        letter = actions.register_letter(
            jurisdiction=city.jurisdiction,
            actor=city.csr,
            channel="letter",
            received_on=date(2026, 11, 10),
            kind="service_request",
            service=city.service("TREE-PRUNE"),
            description="Please prune the maple in front of 40 Oak St.",
            contact=actions.ContactDetails(name="Pat Resident", address="40 Oak St"),
            scan=actions.Scan(content=b"%PDF-1.7\n%%EOF\n", name="letter.pdf"),
        )
        csr = open_browser(language)
        csr.sign_in_as("csr.alex")
        csr.goto("/desk/letters/new/")
        csr.axe(f"register a letter [{language}]")
        csr.page.locator("#letter-form button[type=submit]").click()  # empty: the error summary
        csr.page.locator(".error-summary").wait_for()
        csr.axe(f"register a letter with errors [{language}]")
        csr.goto(f"/desk/cases/{letter.intake.case.reference}/")
        csr.axe(f"case with its scan [{language}]")
