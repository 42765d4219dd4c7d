"""Mail in over real SMTP and LMTP: smtplib to the running listener, and the cases and messages that result."""

from __future__ import annotations

import smtplib
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from civicdesk.channels.mail.intake import MAX_MESSAGE_BYTES, Mailbox
from civicdesk.channels.mail.listener import MailListener
from civicdesk.domain.cases import actions
from civicdesk.domain.cases.models import Action, Case, Channel, Kind
from civicdesk.domain.inbox.models import InboundMessage, Outcome
from civicdesk.domain.outbox.models import OutboxMessage
from tests.fixtures.city import new_complaint
from tests.fixtures.processes import ROOT, civicdesk_env, free_port, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

STATUS_URL = "https://pickering.example/status/"


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    with override_settings(DATA_DIR=tmp_path):
        yield tmp_path


@pytest.fixture
def listener(city, data_dir) -> Iterator[MailListener]:
    server = MailListener(Mailbox(city.jurisdiction, STATUS_URL), host="127.0.0.1", port=free_port())
    server.start()
    yield server
    server.stop()


def send(listener: MailListener, message: EmailMessage | bytes, *, sender: str = "pat@example.org") -> None:
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
        if isinstance(message, bytes):
            client.sendmail(sender, ["311@pickering.example"], message)
        else:
            client.send_message(message, from_addr=sender, to_addrs=["311@pickering.example"])


def mail(subject: str = "Streetlight out on Kingston Road", body: str = "", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Pat Resident <pat@example.org>")
    message["To"] = "311@pickering.example"
    message["Subject"] = subject
    message["Message-ID"] = headers.pop("Message_ID", make_msgid(domain="example.org"))
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body or "The light at 1200 Kingston Road has been out since Monday.")
    return message


def only(**filters: object) -> InboundMessage:
    return InboundMessage.objects.get(**filters)


def test_a_plain_email_becomes_an_email_inquiry_and_the_sender_gets_the_reference(listener) -> None:
    message = mail()
    send(listener, message)

    row = only(message_id=message["Message-ID"])
    assert row.outcome == Outcome.NEW_CASE
    case = row.case
    assert (case.kind, case.channel) == (Kind.INQUIRY, Channel.EMAIL)
    assert "1200 Kingston Road" in case.description
    assert case.contact.email == "pat@example.org"
    assert case.contact.name == "Pat Resident"
    receipt = OutboxMessage.objects.get(case=case, kind="receipt")  # PB-AUTOREPLY
    assert receipt.recipient_address == "pat@example.org"
    assert STATUS_URL in receipt.body


def test_the_same_message_received_twice_is_recorded_once(listener) -> None:
    message = mail()
    send(listener, message)
    send(listener, message)

    assert InboundMessage.objects.filter(message_id=message["Message-ID"]).count() == 1
    assert Case.objects.filter(channel=Channel.EMAIL).count() == 1


def test_html_only_mail_is_read_as_text(listener) -> None:
    message = EmailMessage()
    message["From"] = "pat@example.org"
    message["Subject"] = "Pothole"
    message["Message-ID"] = make_msgid()
    message.set_content(
        "<html><body><p>A <b>deep</b> pothole at Brock &amp; Kingston.</p></body></html>", subtype="html"
    )
    send(listener, message)

    case = only(message_id=message["Message-ID"]).case
    assert "A deep pothole at Brock & Kingston." in case.description
    assert "<b>" not in case.description


def test_attachments_are_kept_by_content_and_forbidden_ones_are_listed_not_kept(listener, data_dir) -> None:
    message = mail()
    photo = b"\xff\xd8\xff\xe0" + b"photo" * 100
    message.add_attachment(photo, maintype="image", subtype="jpeg", filename="../../light.jpg")
    message.add_attachment(b"MZ\x90\x00", maintype="application", subtype="x-msdownload", filename="invoice.exe")
    send(listener, message)

    row = only(message_id=message["Message-ID"])
    kept, refused = row.attachments.order_by("pk")
    assert (kept.filename, kept.content_type, kept.kept) == ("../../light.jpg", "image/jpeg", True)
    stored = data_dir / "attachments" / kept.sha256[:2] / kept.sha256
    assert stored.read_bytes() == photo  # stored under its content's hash, never under the sender's name
    assert not refused.kept
    assert not list(data_dir.rglob("invoice.exe"))
    assert "x-msdownload" in refused.reason


def test_a_reply_threads_onto_its_case_by_in_reply_to_and_by_the_reference_in_the_subject(city, listener) -> None:
    case = new_complaint(city)
    sent = OutboxMessage.objects.create(
        jurisdiction=city.jurisdiction,
        case=case,
        kind="acknowledgement",
        audience="resident",
        recipient_address="pat@example.org",
        subject="We have your complaint",
        body="…",
        created_at=case.received_at,
        release_at=case.received_at,
        state="sent",
        message_id=make_msgid(domain="pickering.example"),
    )
    send(
        listener,
        mail(subject="Re: We have your complaint", body="The limb fell this morning.", In_Reply_To=sent.message_id),
    )
    send(listener, mail(subject=f"About my case {case.reference[:3]}-{case.reference[3:6]}-{case.reference[6:]}"))

    on_case = InboundMessage.objects.filter(outcome=Outcome.ON_CASE, case=case)
    assert on_case.count() == 2
    notes = case.journal.filter(action=Action.NOTE, data__message="resident_email").order_by("sequence")
    assert notes[0].note == "The limb fell this morning."
    assert Case.objects.filter(channel=Channel.EMAIL).count() == 0  # no new case for a reply


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"Auto_Submitted": "auto-replied", "Subject_": ""}, "Auto-Submitted"),
        ({"Precedence": "bulk"}, "Precedence"),
        ({"List_Id": "<news.example.org>"}, "mailing list"),
        ({"From": "MAILER-DAEMON@mx.example.org"}, "automatic sender"),
        ({"X_Civicdesk_Reference": "123456789"}, "our own"),
    ],
)
def test_automatic_mail_makes_no_case_and_gets_no_reply(listener, headers, why) -> None:
    headers.pop("Subject_", None)
    message = mail(subject="Out of office", **headers)
    send(listener, message)

    row = only(message_id=message["Message-ID"])
    assert row.outcome == Outcome.AUTOMATIC
    assert why.lower() in row.reason.lower()
    assert not Case.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_delivery_report_is_automatic_mail(listener) -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.org\r\nTo: 311@pickering.example\r\nSubject: Undelivered Mail\r\n"
        b"Message-ID: <bounce-1@mx.example.org>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--B--\r\n"
    )
    send(listener, raw, sender="")
    assert only(message_id="<bounce-1@mx.example.org>").outcome == Outcome.AUTOMATIC


def test_non_utf8_headers_and_body_are_decoded(listener) -> None:
    raw = (
        b"From: =?iso-8859-1?q?Ren=E9e_Tremblay?= <renee@example.org>\r\nTo: 311@pickering.example\r\n"
        b"Subject: =?iso-8859-1?q?Lampadaire_bris=E9?=\r\nMessage-ID: <latin1@example.org>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\nLe lampadaire est bris\xe9 depuis lundi.\r\n"
    )
    send(listener, raw, sender="renee@example.org")

    row = only(message_id="<latin1@example.org>")
    assert row.subject == "Lampadaire brisé"
    assert row.sender_name == "Renée Tremblay"
    assert "brisé depuis lundi" in row.case.description


def test_malformed_mime_and_garbage_are_recorded_and_the_listener_keeps_running(listener) -> None:
    broken = (
        b"From: pat@example.org\r\nSubject: broken\r\nMessage-ID: <broken@example.org>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n--never-closed\r\n'
        b"Content-Type: text/plain\r\n\r\nThe sidewalk is cracked.\r\n"
    )
    send(listener, broken)
    send(listener, b"\x00\xff\xfe garbage \x81\x82 not mail at all", sender="x@example.org")
    send(listener, mail())  # still listening

    assert only(message_id="<broken@example.org>").outcome in (Outcome.NEW_CASE, Outcome.REJECTED)
    assert InboundMessage.objects.count() == 3
    assert InboundMessage.objects.filter(outcome=Outcome.NEW_CASE).count() >= 1


def test_a_message_with_no_sender_makes_no_case(listener) -> None:
    raw = b"To: 311@pickering.example\r\nSubject: hello\r\nMessage-ID: <nosender@example.org>\r\n\r\nhello\r\n"
    send(listener, raw, sender="")
    row = only(message_id="<nosender@example.org>")
    assert row.outcome == Outcome.AUTOMATIC
    assert row.reason == "no sender address"


def test_an_oversize_message_is_refused_before_it_is_read(listener) -> None:
    message = mail()
    message.add_attachment(b"x" * (MAX_MESSAGE_BYTES + 1), maintype="application", subtype="pdf", filename="big.pdf")
    with pytest.raises(smtplib.SMTPException) as refused:
        send(listener, message)
    assert "552" in str(refused.value)
    assert not InboundMessage.objects.exists()


def test_the_lmtp_listener_takes_mail_too(city, data_dir) -> None:
    server = MailListener(Mailbox(city.jurisdiction, STATUS_URL), host="127.0.0.1", port=free_port(), lmtp=True)
    server.start()
    try:
        message = mail()
        with smtplib.LMTP("127.0.0.1", server.port, timeout=10) as client:
            client.send_message(message, from_addr="pat@example.org", to_addrs=["311@pickering.example"])
    finally:
        server.stop()
    row = only(message_id=message["Message-ID"])
    assert (row.outcome, row.via) == (Outcome.NEW_CASE, "lmtp")


def test_civicdesk_mail_intake_listens_until_stopped(city, tmp_path) -> None:
    port = free_port()
    env = civicdesk_env(CIVICDESK_DATA_DIR=str(tmp_path))
    process = subprocess.Popen(
        [sys.executable, "-m", "civicdesk", "mail-intake", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert f"127.0.0.1:{port}" in line
        message = mail()
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.send_message(message, from_addr="pat@example.org", to_addrs=["311@pickering.example"])
        wait_for(lambda: InboundMessage.objects.filter(message_id=message["Message-ID"]).exists(), message="the case")
    finally:
        process.terminate()
        assert process.wait(15) == 0
    assert settings.DEFAULT_FROM_EMAIL  # the listener recognises our own address from the same settings


@pytest.mark.parametrize(
    ("body", "declared", "language", "greeting"),
    [
        ("Bonjour, le lampadaire devant le 1200 chemin Kingston est éteint depuis lundi soir.", "", "fr", "Bonjour"),
        ("Hola, la farola del 1200 de Kingston Road está apagada desde el lunes.", "", "es", "Estimad"),
        ("Light out at 1200 Kingston Road.", "es-MX", "es", "Estimad"),
        ("Merci", "", "en", "Dear"),  # too short to tell: the city's first language
        ("Guten Tag, die Straßenlaterne vor Nummer 1200 ist seit Montag aus.", "de", "en", "Dear"),
    ],
)
def test_a_new_email_is_answered_in_the_language_its_sender_wrote_in(
    city, listener, body, declared, language, greeting
) -> None:
    """PB-AUTOREPLY: the receipt goes "in the sender's language where known"; the case keeps it for what follows."""
    message = mail(subject="1200 Kingston Road", body=body)
    if declared:
        message["Content-Language"] = declared  # as the sender's mail program says it
    send(listener, message)

    case = only(message_id=message["Message-ID"]).case
    assert case is not None
    assert case.language == language
    receipt = OutboxMessage.objects.get(case=case, kind="receipt")
    assert receipt.language == language
    assert receipt.body.startswith(greeting)

    # Past the receipt: the resident's reply and the acknowledgement stay in that language.
    reply = mail(subject=f"Re: {receipt.subject}", body="Still out tonight.")  # threads by the reference it quotes
    send(listener, reply)
    assert only(message_id=reply["Message-ID"]).case == case
    actions.acknowledge_case(case=case, actor=city.csr, message="A crew will replace the lamp by Friday.")
    acknowledgement = OutboxMessage.objects.get(case=case, kind="acknowledgement")
    assert acknowledgement.language == language
    assert acknowledgement.body.startswith(greeting)
