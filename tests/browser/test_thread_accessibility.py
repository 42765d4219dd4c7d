"""axe-core on the correspondence pages: a case with its thread, undelivered messages, mailbox checks, absences."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.test import override_settings

from civicdesk.channels.mail.intake import Mailbox, receive
from civicdesk.domain.cases import actions
from civicdesk.domain.cases.references import display
from tests.browser.conftest import LANGUAGES

pytestmark = [pytest.mark.browser]


def _email(subject: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Pat Resident <pat@example.org>"
    message["To"] = "311@pickering.example"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content(body)
    message.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf", filename="photo.pdf")
    return message.as_bytes()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_thread_and_the_correspondence_pages_have_no_axe_violations(city, open_browser, language, tmp_path):
    with override_settings(DATA_DIR=tmp_path):
        mailbox = Mailbox(city.jurisdiction, "https://pickering.example/status/")
        case = receive(
            _email("Streetlight out", "The light at 1200 Kingston Road is out."), mailbox=mailbox, via="smtp"
        ).case
        assert case is not None
        actions.reply_to_resident(case=case, actor=city.csr, how="email", note="A crew is on its way.")
        receive(_email(f"Re: About your request {display(case.reference)}", "Thank you."), mailbox=mailbox, via="smtp")
        actions.record_absence(
            user=city.staff("staff.roads"),
            actor=city.staff("staff.roads"),
            starts=date(2026, 11, 17),
            returns=date(2026, 11, 20),
            alternate=city.staff("sup.traffic"),
        )
        csr = open_browser(language)
        csr.sign_in_as("csr.alex")
        for path in ("/desk/queue/care/", "/desk/undelivered/", "/desk/mail-checks/", "/desk/absences/"):
            csr.goto(path)
            csr.axe(f"{path} [{language}]")
        csr.goto(f"/desk/cases/{case.reference}/")
        for details in csr.page.locator(".thread details").all():
            details.evaluate("d => d.open = true")
        csr.axe(f"case with its thread [{language}]")
        csr.page.locator("#answer-heading ~ form button[type=submit]").click()  # empty: the field's error
        csr.page.locator("#id_email-note-error, .field--error, [aria-invalid=true]").first.wait_for()
        csr.axe(f"answer with an error [{language}]")
        csr.goto("/desk/absences/")
        csr.page.locator("main form[method=post]:not(.buttons) button[type=submit]").last.click()
        csr.page.locator(".error-summary").wait_for()
        csr.axe(f"absence with errors [{language}]")
