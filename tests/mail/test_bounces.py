"""Bounces over real SMTP: a receipt is delivered to a mail server, then a delivery report (RFC 3464) for it is sent
with smtplib to the running listener; the message, its case and its owner's notice are what the report says.

Also out-of-office replies, which make no case and get no reply (RFC 3834).
"""

from __future__ import annotations

from email.utils import make_msgid

import pytest

from civicdesk.domain.cases import actions
from civicdesk.domain.cases.delivery import deliver_outbox
from civicdesk.domain.cases.models import Action, Case, JournalEntry
from civicdesk.domain.inbox.models import InboundMessage, Outcome
from civicdesk.domain.outbox.models import AttemptOutcome, DeliveryAttempt, MessageState, OutboxMessage
from civicdesk.domain.outbox.release import release_due_messages
from civicdesk.platform import timesource
from tests.fixtures.city import City, new_complaint
from tests.mail.test_mail_intake import STATUS_URL, data_dir, listener, mail, send
from tests.outbox.test_delivery import MailServer, smtp

__all__ = ["data_dir", "listener", "smtp"]  # the fixtures of the mail intake and delivery tests, shared

pytestmark = pytest.mark.django_db(transaction=True)

USER_UNKNOWN = "smtp; 550 5.1.1 <pat@example.org>: Recipient address rejected: User unknown"


def delivered_receipt(city: City, smtp: MailServer) -> OutboxMessage:
    """A resident's web complaint whose receipt the mail server accepted."""
    case = new_complaint(
        city,
        actor=None,
        actor_label="resident (web)",
        channel="web",
        contact=actions.ContactDetails(name="Pat Resident", email="pat@example.org"),
        receipt=actions.Receipt(status_url=STATUS_URL),
    )
    release_due_messages(now=timesource.now())
    deliver_outbox()
    receipt = OutboxMessage.objects.get(case=case, kind="receipt")
    assert receipt.state == MessageState.SENT
    assert [m["Message-ID"] for m in smtp.recorder.received] == [receipt.message_id]
    return receipt


def report(
    returned: str,
    *,
    action: str = "failed",
    status: str = "5.1.1",
    diagnostic: str = USER_UNKNOWN,
    recipient: str = "pat@example.org",
    headers_part: str = "text/rfc822-headers",
    status_part: str | None = None,
    message_id: str | None = None,
    extra_headers: str = "",
) -> bytes:
    """A delivery report from the resident's mail server about the message whose headers are ``returned``."""
    block = status_part or (
        f"Reporting-MTA: dns; mx.example.org\r\nArrival-Date: Tue, 17 Nov 2026 10:00:05 -0500\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nOriginal-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\nDiagnostic-Code: {diagnostic}\r\n"
    )
    return (
        f"From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\nTo: customer.care@pickering.example\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: {message_id or make_msgid(domain='mx.example.org')}\r\n"
        f"Auto-Submitted: auto-replied\r\n{extra_headers}MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="REPORT"\r\n\r\n'
        f"--REPORT\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered to {recipient}.\r\n\r\n"
        f"--REPORT\r\nContent-Type: message/delivery-status\r\n\r\n{block}\r\n"
        f"--REPORT\r\nContent-Type: {headers_part}\r\n\r\n{returned}\r\n"
        f"--REPORT--\r\n"
    ).encode()


def returned_headers(smtp: MailServer, *, without: tuple[str, ...] = ()) -> str:
    """The headers of the message the mail server received, as a bounce returns them."""
    (sent,) = smtp.recorder.received
    return "".join(f"{name}: {value}\r\n" for name, value in sent.items() if name not in without)


def test_a_bounce_marks_the_sent_receipt_failed_and_tells_the_cases_owner(city, smtp, listener) -> None:
    receipt = delivered_receipt(city, smtp)
    case = receipt.case
    dsn = report(returned_headers(smtp))
    send(listener, dsn, sender="")

    receipt.refresh_from_db()
    assert receipt.state == MessageState.FAILED
    assert receipt.sent_at is not None  # it was sent; the far end refused it
    assert receipt.last_error == f"bounced: 5.1.1 {USER_UNKNOWN}"
    attempts = list(receipt.delivery_attempts.order_by("pk"))
    assert [a.outcome for a in attempts] == [AttemptOutcome.SENT, AttemptOutcome.FAILED]
    assert attempts[-1].detail == receipt.last_error
    # The case's history says so, as a refusal at sending would, and its owner is told.
    note = case.journal.get(action=Action.NOTE, data__undelivered=receipt.pk)
    assert "could not be delivered" in note.note
    assert "User unknown" in note.note
    notice = OutboxMessage.objects.get(case=case, kind="undelivered")
    assert notice.audience == "staff"
    assert "pat@example.org" in notice.body
    # No case made, no reply to the mail server.
    row = InboundMessage.objects.get(outcome=Outcome.BOUNCE)
    assert (row.case, row.reason.startswith(f"bounce of {receipt.subject!r} to pat@example.org")) == (case, True)
    assert Case.objects.count() == 1
    assert not OutboxMessage.objects.filter(recipient_address__icontains="mailer-daemon").exists()
    assert set(OutboxMessage.objects.values_list("kind", flat=True)) == {"receipt", "undelivered"}

    # The same report again (a retrying server) is recorded once; a second report about the same message adds
    # a line to its attempts but fails it, and tells its case, only once.
    send(listener, dsn, sender="")
    send(listener, report(returned_headers(smtp)), sender="")
    assert InboundMessage.objects.filter(outcome=Outcome.BOUNCE).count() == 2
    assert receipt.delivery_attempts.count() == 3
    assert JournalEntry.objects.filter(case=case, data__undelivered=receipt.pk).count() == 1
    assert OutboxMessage.objects.filter(kind="undelivered").count() == 1


@pytest.mark.parametrize(
    "how",
    ["message/rfc822", "In-Reply-To", "X-Civicdesk-Reference"],
)
def test_the_bounced_message_is_found_by_what_the_report_returns(city, smtp, listener, how) -> None:
    receipt = delivered_receipt(city, smtp)
    if how == "message/rfc822":
        (sent,) = smtp.recorder.received
        dsn = report(sent.as_string().replace("\n", "\r\n"), headers_part="message/rfc822")
    elif how == "In-Reply-To":  # no returned headers worth the name, but the report answers our message
        dsn = report("Subject: (headers not kept)\r\n", extra_headers=f"In-Reply-To: {receipt.message_id}\r\n")
    else:  # the returned headers lost their Message-ID; our reference header names the case
        dsn = report(returned_headers(smtp, without=("Message-ID",)))
    send(listener, dsn, sender="")
    receipt.refresh_from_db()
    assert receipt.state == MessageState.FAILED


def test_a_delayed_report_is_only_a_line_in_the_messages_attempts(city, smtp, listener) -> None:
    receipt = delivered_receipt(city, smtp)
    journal_before = JournalEntry.objects.filter(case=receipt.case).count()
    dsn = report(
        returned_headers(smtp),
        action="delayed",
        status="4.4.7",
        diagnostic="smtp; 451 4.4.7 mailbox temporarily unavailable",
    )
    send(listener, dsn, sender="")

    receipt.refresh_from_db()
    assert receipt.state == MessageState.SENT
    assert receipt.last_error == ""
    line = receipt.delivery_attempts.order_by("pk").last()
    assert line is not None
    assert line.outcome == AttemptOutcome.RETRY
    assert line.detail.startswith("delayed")
    assert "4.4.7" in line.detail
    assert JournalEntry.objects.filter(case=receipt.case).count() == journal_before
    assert not OutboxMessage.objects.filter(kind="undelivered").exists()
    assert InboundMessage.objects.get(outcome=Outcome.BOUNCE).reason.startswith("delivery report of")


def test_a_report_with_garbage_in_its_status_part_is_recorded_and_the_listener_keeps_running(
    city, smtp, listener
) -> None:
    receipt = delivered_receipt(city, smtp)
    garbage = "\x00\x7f ;;; Action Status ::: \r\n\r\n\r\n   \r\nFinal-Recipient\r\n"
    send(listener, report(returned_headers(smtp), status_part=garbage), sender="")

    row = InboundMessage.objects.get(outcome=Outcome.BOUNCE)
    assert "not read" in row.reason
    receipt.refresh_from_db()
    assert receipt.state == MessageState.SENT  # nothing it says can be trusted: the message is left as it was
    assert receipt.delivery_attempts.count() == 1

    person = mail()
    send(listener, person)  # still listening
    assert InboundMessage.objects.get(message_id=person["Message-ID"]).outcome == Outcome.NEW_CASE


def test_a_report_about_a_message_we_never_sent_is_automatic_mail_only(city, smtp, listener) -> None:
    receipt = delivered_receipt(city, smtp)
    stranger = "From: someone@example.net\r\nMessage-ID: <not-ours@example.net>\r\nSubject: Hello\r\n"
    send(listener, report(stranger), sender="")

    row = InboundMessage.objects.get(message_id__contains="mx.example.org")
    assert row.outcome == Outcome.AUTOMATIC
    assert row.case is None
    receipt.refresh_from_db()
    assert receipt.state == MessageState.SENT
    assert DeliveryAttempt.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"X_Autoreply": "yes"},  # an auto-responder that marks itself only this way
    ],
)
def test_an_out_of_office_reply_to_our_receipt_makes_no_case_and_gets_no_reply(city, smtp, listener, headers) -> None:
    receipt = delivered_receipt(city, smtp)
    ooo = mail(
        subject="Out of Office",
        body="I am away until Monday and will answer your message then.",
        In_Reply_To=receipt.message_id,
        **headers,
    )
    send(listener, ooo)

    row = InboundMessage.objects.get(message_id=ooo["Message-ID"])
    assert row.outcome == Outcome.AUTOMATIC
    assert Case.objects.count() == 1
    assert not JournalEntry.objects.filter(case=receipt.case, data__message="resident_email").exists()
    assert list(OutboxMessage.objects.values_list("kind", flat=True)) == ["receipt"]
    receipt.refresh_from_db()
    assert receipt.state == MessageState.SENT
