"""A resident reports with a photo in a real browser; the photo field, its errors, the status page and the
desk's files are checked with axe-core in English, French and Spanish; the photo field works from the keyboard."""

from __future__ import annotations

import re
from typing import Any

import pytest

from civicdesk.domain.cases.models import Case, CaseAttachment
from civicdesk.domain.outbox.models import OutboxMessage
from tests.browser.conftest import LANGUAGES
from tests.fixtures.files import PHP_AS_JPEG, kept_files, photo_with_gps

__all__ = ["kept_files"]

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("kept_files")]
LINK = re.compile(r"http://[^/\s]+(/status/[A-Za-z0-9_-]{20,}/)")


def _files(name: str, data: bytes) -> list[dict[str, Any]]:
    return [{"name": name, "mimeType": "image/jpeg", "buffer": data}]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_photo_field_its_errors_and_the_status_page_have_no_axe_violations(
    city: Any, open_browser: Any, language: str
) -> None:
    b = open_browser(language)
    page = b.page
    b.goto("/report/")
    page.locator("#id_photos").wait_for()
    b.axe(f"report form with the photo field [{language}]")

    page.locator("#id_kind_0").check()  # a service request
    page.locator("#id_service").select_option(str(city.service("POTHOLE").pk))
    page.locator("#id_description").fill("A deep pothole outside 40 Oak Ave.")
    page.locator("#id_email").fill("pat@example.org")
    page.set_input_files("#id_photos", _files("shell.jpg", PHP_AS_JPEG))
    page.locator("form.stack button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    assert page.locator("#id_description").input_value() == "A deep pothole outside 40 Oak Ave."
    b.axe(f"report with a refused photo [{language}]")
    assert not Case.objects.exists()

    page.set_input_files("#id_photos", _files("pothole.jpg", photo_with_gps()))
    page.locator("form.stack button[type=submit]").click()
    page.locator("#reference").wait_for()
    case = Case.objects.get()
    assert CaseAttachment.objects.filter(case=case, public=True).count() == 1

    receipt = OutboxMessage.objects.get(case=case, kind="receipt").body
    match = LINK.search(receipt)
    assert match, receipt
    b.goto(match.group(1))
    image = page.locator("img.case-files__thumbnail")
    image.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    b.axe(f"status page with the resident's photo [{language}]")

    staff = open_browser(language)
    staff.sign_in_as("staff.roads")
    staff.goto(f"/desk/cases/{case.reference}/")
    staff.page.locator("#action-attach summary").click()
    staff.page.locator("#id_file-file").wait_for()
    staff.axe(f"case page with its files and the attach form [{language}]")


def test_the_photo_field_is_reached_opened_and_sent_with_the_keyboard(city: Any, open_browser: Any) -> None:
    b = open_browser("en")
    page = b.page
    b.goto("/report/")
    page.locator("#id_kind_0").focus()
    page.keyboard.press("Space")
    page.locator("#id_service").select_option(str(city.service("POTHOLE").pk))
    page.locator("#id_description").focus()
    page.keyboard.type("A deep pothole outside 40 Oak Ave.")
    page.keyboard.press("Tab")  # to the address
    page.keyboard.type("40 Oak Ave")
    page.keyboard.press("Tab")  # to the photo field
    assert page.evaluate("document.activeElement.id") == "id_photos"
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(_files("pothole.jpg", photo_with_gps()))
    page.locator("form.stack button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.locator("#reference").wait_for()
    assert CaseAttachment.objects.filter(case=Case.objects.get()).count() == 1
