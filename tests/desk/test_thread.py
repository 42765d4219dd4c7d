"""The case's correspondence on its page: the resident's emails, every message sent, answers by email, failures.

Mail arrives through the mail channel's own intake (as the listener hands it over); staff read and answer on
the desk's pages; failed deliveries come from a real SMTP server refusing the address.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from civicdesk.channels.mail.intake import Mailbox, receive
from civicdesk.domain.cases import actions
from civicdesk.domain.cases.delivery import deliver_outbox
from civicdesk.domain.cases.errors import TransitionRefused
from civicdesk.domain.cases.models import Action, Case, CommitmentState, JournalEntry
from civicdesk.domain.cases.references import display
from civicdesk.domain.inbox.models import Outcome
from civicdesk.domain.outbox.models import MessageState, OutboxMessage
from tests.fixtures.city import new_complaint
from tests.outbox.test_delivery import MailServer

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a photo of the light\n"


@pytest.fixture
def mailbox(city, tmp_path: Path) -> Iterator[Mailbox]:
    with override_settings(DATA_DIR=tmp_path):
        yield Mailbox(city.jurisdiction, "https://pickering.example/status/")


def email(subject: str, body: str, *, attach: bool = False) -> bytes:
    message = EmailMessage()
    message["From"] = "Pat Resident <pat@example.org>"
    message["To"] = "311@pickering.example"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content(body)
    if attach:
        message.add_attachment(PDF, maintype="application", subtype="pdf", filename="light.pdf")
        message.add_attachment(b"<script>alert(1)</script>", maintype="text", subtype="html", filename="page.html")
    return message.as_bytes()


def case_page(client, case: Case) -> str:
    response = client.get(reverse("desk:case", args=[case.reference]))
    assert response.status_code == 200
    return str(response.content.decode())


def answer(client, case: Case, note: str):
    return client.post(reverse("desk:answer_by_email", args=[case.reference]), {"email-note": note})


def test_the_thread_from_first_email_to_answers_after_closing(city, signed_in, mailbox) -> None:
    first = receive(
        email("Streetlight out", "The light at 1200 Kingston Road is out.", attach=True), mailbox=mailbox, via="smtp"
    )
    case = first.case
    assert case is not None
    assert first.outcome == Outcome.NEW_CASE
    csr = signed_in("csr.alex")

    page = case_page(csr, case)
    assert 'id="thread-heading"' in page
    assert "Email from Pat Resident &lt;pat@example.org&gt;: Streetlight out" in page
    assert "The light at 1200 Kingston Road is out." in page
    assert "Download light.pdf" in page
    assert "page.html: not kept (a type not kept (text/html))" in page  # never offered, never served
    assert "Sent to resident: Your reference number" in page  # the receipt, in time order after the email
    assert page.index("Email from Pat Resident") < page.index("Sent to resident: Your reference number")
    assert "waiting for release" in page.lower() or "ready to send" in page.lower()
    first.refresh_from_db()
    assert first.opened_by == city.csr  # PK-EMAIL-CHECK: the CSR's visit opened it

    # The attachment downloads, never renders: its own type is not trusted.
    [kept] = first.attachments.filter(kept=True)
    download = csr.get(reverse("desk:attachment", args=[case.reference, kept.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    [dropped] = first.attachments.filter(kept=False)
    assert csr.get(reverse("desk:attachment", args=[case.reference, dropped.pk])).status_code == 404

    # An empty answer is refused against its field; nothing is sent.
    refused = answer(csr, case, "   ")
    assert refused.status_code == 422
    assert "This field is required." in refused.content.decode()

    # The first answer is the answer owed: PK-EMAIL-ACK and PK-EMAIL-ANSWER are met by it.
    done = answer(csr, case, "A crew will replace the lamp by Friday.")
    assert done.status_code == 302
    reply = OutboxMessage.objects.get(case=case, kind="reply")
    assert reply.recipient_address == "pat@example.org"
    assert "\n\nA crew will replace the lamp by Friday.\n\n" in reply.body  # between the greeting and the signature
    assert not case.commitments.filter(standard="PK-EMAIL-ANSWER").exclude(state=CommitmentState.MET).exists()

    # The resident writes back, quoting the reference: the reply joins the case, unread until someone opens it.
    again = receive(
        email(f"Re: About your request {display(case.reference)}", "Thanks. Which Friday?"), mailbox=mailbox, via="smtp"
    )
    assert (again.outcome, again.case_id) == (Outcome.ON_CASE, case.pk)
    queue = csr.get(reverse("desk:queue", args=["care"])).content.decode()
    assert "Unread mail: 1 email" in queue
    page = case_page(csr, case)
    assert "Thanks. Which Friday?" in page
    assert "Unread mail: none" in csr.get(reverse("desk:queue", args=["care"])).content.decode()

    # Nothing is owed now, and staff can still answer: a plain email, noted on the case for the resident.
    assert answer(csr, case, "This Friday, the 20th.").status_code == 302
    note = OutboxMessage.objects.get(case=case, kind="message")
    assert "\n\nThis Friday, the 20th.\n\n" in note.body  # between the greeting and the signature
    entry = JournalEntry.objects.filter(case=case, action=Action.NOTE, public=True).latest("sequence")
    assert entry.note == "This Friday, the 20th."
    assert entry.data["message"] == "to_resident"

    # Closed, the case still takes the resident's mail and staff still answer it.
    actions.close_case(case=case, actor=city.csr, note="Lamp replaced.", resolution="resolved")
    receive(email(f"Re: {display(case.reference)}", "It is on again, thank you."), mailbox=mailbox, via="smtp")
    assert answer(csr, case, "Glad to hear it.").status_code == 302
    assert OutboxMessage.objects.filter(case=case, kind="message").count() == 2
    case.refresh_from_db()
    assert case.status == "closed"
    page = case_page(csr, case)
    assert page.count("Email from Pat Resident") == 3
    assert "Glad to hear it." in page


def test_roles_that_do_not_see_the_resident_see_the_thread_without_their_address(city, signed_in, mailbox) -> None:
    row = receive(email("Pothole", "A deep pothole on Liverpool Road."), mailbox=mailbox, via="smtp")
    assert row.case is not None
    page = case_page(signed_in("manager"), row.case)
    assert "A deep pothole on Liverpool Road." in page
    assert "pat@example.org" not in page  # PK-PRIV
    assert "Email from the resident" in page
    assert "Answer by email" not in page
    row.refresh_from_db()
    assert row.opened_at is None  # a read-only visit is not a mailbox check


def test_another_departments_staff_get_no_attachment(city, signed_in, mailbox) -> None:
    row = receive(email("Streetlight", "Out again.", attach=True), mailbox=mailbox, via="smtp")
    kept = row.attachments.get(kept=True)
    response = signed_in("staff.forestry").get(reverse("desk:attachment", args=[row.case.reference, kept.pk]))
    assert response.status_code == 404


def test_write_to_resident_is_refused_while_an_answer_is_owed_or_with_no_address(city) -> None:
    case = new_complaint(city)
    with pytest.raises(TransitionRefused, match="an answer is owed"):
        actions.write_to_resident(case=case, actor=city.csr, note="Hello")
    anonymous = new_complaint(city, contact=None)
    with pytest.raises(TransitionRefused, match="no email address"):
        actions.write_to_resident(case=anonymous, actor=city.csr, note="Hello")
    assert not OutboxMessage.objects.filter(kind="message").exists()


@pytest.fixture
def refusing_smtp() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    server.recorder.refuse.add("gone@example.org")
    with override_settings(**server.settings()):
        yield server
    server.stop()


def test_a_failed_delivery_is_plain_on_the_case_and_on_the_undelivered_page(city, signed_in, refusing_smtp) -> None:
    case = new_complaint(
        city,
        contact=actions.ContactDetails(name="Pat Resident", email="gone@example.org"),
        receipt=actions.Receipt(status_url="https://pickering.example/status/"),
    )
    deliver_outbox()
    receipt = OutboxMessage.objects.get(case=case, kind="receipt")
    assert receipt.state == MessageState.FAILED

    page = case_page(signed_in("csr.alex"), case)
    assert "Not delivered" in page
    assert "The mail server refused it:" in page
    assert "550 5.1.1 No such mailbox here" in page  # the server's own answer, in each attempt too
    assert "attempt to deliver it" in page

    listing = signed_in("care.admin").get(reverse("desk:undelivered"))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert display(case.reference) in text
    assert reverse("desk:case", args=[case.reference]) in text
    assert "No such mailbox here" in text
    # Department staff see their failures on their cases; the citywide page is Customer Care's.
    assert signed_in("staff.forestry").get(reverse("desk:undelivered")).status_code == 403


def test_undelivered_page_lists_the_newest_failure_first(city, signed_in, refusing_smtp, now) -> None:
    older = new_complaint(
        city,
        contact=actions.ContactDetails(name="Pat Resident", email="gone@example.org"),
        receipt=actions.Receipt(status_url="https://pickering.example/status/"),
    )
    deliver_outbox()
    now.advance(timedelta(hours=1))
    newer = new_complaint(
        city,
        contact=actions.ContactDetails(name="Pat Resident", email="gone@example.org"),
        receipt=actions.Receipt(status_url="https://pickering.example/status/"),
    )
    deliver_outbox()
    text = signed_in("csr.alex").get(reverse("desk:undelivered")).content.decode()
    assert text.index(display(newer.reference)) < text.index(display(older.reference))
