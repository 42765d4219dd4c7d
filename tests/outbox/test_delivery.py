"""Every message the outbox has ready is really sent: over SMTP to a real server, or to a file, once, with retries.

The mail server is aiosmtpd on 127.0.0.1, started by each test; it records what
it was sent and can refuse recipients or be stopped and started again.
"""

from __future__ import annotations

import email
import email.policy
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage as ParsedMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.test import override_settings

from civicdesk.domain.cases import actions
from civicdesk.domain.cases.delivery import deliver_outbox
from civicdesk.domain.cases.models import Action
from civicdesk.domain.cases.sweep import run_sweep
from civicdesk.domain.outbox.delivery import RETRY_AFTER
from civicdesk.domain.outbox.models import AttemptOutcome, MessageState, OutboxMessage
from civicdesk.domain.outbox.release import release_due_messages
from civicdesk.platform import timesource
from tests.fixtures.city import new_complaint
from tests.fixtures.clock import local
from tests.fixtures.processes import civicdesk_env, free_port, wait_for

pytestmark = pytest.mark.django_db

RECEIPT = actions.Receipt(status_url="https://pickering.example/status/")


class Recorder:
    """An SMTP handler keeping every message it accepts; addresses in ``refuse`` get a permanent 550."""

    def __init__(self) -> None:
        self.received: list[ParsedMessage] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(  # noqa: N802 — aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.original_content or b"", policy=email.policy.default)
        self.received.append(parsed)
        return "250 Message accepted for delivery"


class MailServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.recorder = Recorder()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def settings(self) -> dict[str, Any]:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_TIMEOUT": 5,
            "DEFAULT_FROM_EMAIL": "customer.care@pickering.example",
        }


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    with override_settings(**server.settings()):
        yield server
    server.stop()


def _receipt_case(city: Any, email_address: str = "pat@example.org", language: str = "en") -> Any:
    return new_complaint(
        city,
        actor=None,
        actor_label="resident (web)",
        channel="web",
        contact=actions.ContactDetails(name="Pat Resident", email=email_address, language=language),
        receipt=RECEIPT,
    )


def _released() -> None:
    release_due_messages(now=timesource.now())


def test_a_residents_receipt_is_sent_over_smtp_once_with_the_message_id_it_keeps(city, now, smtp) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = _receipt_case(city, language="fr")
    _released()

    report = deliver_outbox()

    assert report.sent == 1
    message = OutboxMessage.objects.get(case=case, kind="receipt")
    assert message.state == MessageState.SENT
    assert message.sent_at == local(2026, 11, 2, 10, 0)
    assert message.attempts == 1
    [received] = smtp.recorder.received
    assert received["To"] == "pat@example.org"
    assert received["From"] == "customer.care@pickering.example"
    assert received["Message-ID"] == message.message_id
    assert received["Subject"] == message.subject
    assert received["Auto-Submitted"] == "auto-generated"  # RFC 3834: no auto-reply loops
    assert received["Content-Language"] == "fr"
    assert received["X-Civicdesk-Reference"] == case.reference
    assert "https://pickering.example/status/" in received.get_content()
    assert [a.outcome for a in message.delivery_attempts.all()] == [AttemptOutcome.SENT]

    assert deliver_outbox().sent == 0  # nothing twice
    assert len(smtp.recorder.received) == 1


def test_while_the_mail_server_is_down_nothing_is_lost_and_each_message_goes_once_when_it_is_back(
    city, now, smtp
) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    cases = [_receipt_case(city, email_address=f"resident{i}@example.org") for i in range(3)]
    _released()
    smtp.stop()

    report = deliver_outbox()

    assert (report.sent, report.retrying, report.handed_back) == (0, 1, 2)
    messages = OutboxMessage.objects.filter(case__in=cases).order_by("pk")
    assert [m.state for m in messages] == [MessageState.READY] * 3
    assert [m.attempts for m in messages] == [1, 0, 0]  # the untried ones are not counted as tried
    first = messages[0]
    assert first.next_attempt_at == local(2026, 11, 2, 10, 0) + RETRY_AFTER[0]
    assert "unreachable" in first.last_error
    kept_id = first.message_id

    smtp.start()
    report = deliver_outbox()  # the two untried go now; the first waits for its retry time
    assert report.sent == 2
    now.advance(RETRY_AFTER[0])
    assert deliver_outbox().sent == 1
    assert deliver_outbox().sent == 0

    assert sorted(m["To"] for m in smtp.recorder.received) == [f"resident{i}@example.org" for i in range(3)]
    first.refresh_from_db()
    assert (first.state, first.attempts, first.message_id) == (MessageState.SENT, 2, kept_id)
    assert [a.outcome for a in first.delivery_attempts.all()] == [AttemptOutcome.RETRY, AttemptOutcome.SENT]


def test_a_permanent_refusal_fails_the_message_journals_it_and_tells_the_cases_owner(city, now, smtp) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    smtp.recorder.refuse.add("gone@example.org")
    case = _receipt_case(city, email_address="gone@example.org")
    _released()

    report = deliver_outbox()

    message = OutboxMessage.objects.get(case=case, kind="receipt")
    assert message.state == MessageState.FAILED
    assert report.failed == [message.pk]
    assert "550" in message.last_error
    note = case.journal.filter(action=Action.NOTE, data__undelivered=message.pk).get()
    assert "could not be delivered" in note.note
    notice = OutboxMessage.objects.get(case=case, kind="undelivered")
    assert notice.recipient_address or notice.recipient_user  # the department's mailbox or its director
    assert "gone@example.org" in notice.body
    assert smtp.recorder.received == []  # nothing was accepted for the refused address


def test_a_message_with_no_address_fails_at_once_without_trying_the_server(city, now, smtp) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    roads = city.staff("staff.forestry")
    roads.email = ""
    roads.save()
    actions.assign_case(case=case, actor=city.csr, assignee=roads)
    now.set(local(2026, 11, 4, 9, 0))
    run_sweep()  # the acknowledgement was missed: its assignee is told, and releases what is due

    deliver_outbox()

    failed = OutboxMessage.objects.filter(case=case, state=MessageState.FAILED)
    assert failed.exists()
    assert all(m.last_error == "no email address on file for the recipient" for m in failed)


@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_mid_delivery_loses_nothing_and_the_next_sends_it_once(city, smtp) -> None:
    """kill -9 of a sender stuck talking to the mail server: its claim runs out and the next sender sends it."""
    stalled = socket.create_server(("127.0.0.1", 0))  # greets, then never answers: the sender waits mid-delivery
    accepted: list[socket.socket] = []

    def greet() -> None:
        conn, _ = stalled.accept()
        accepted.append(conn)
        conn.sendall(b"220 slow.example ESMTP\r\n")

    threading.Thread(target=greet, daemon=True).start()
    case = _receipt_case(city)
    _released()
    env = civicdesk_env(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(stalled.getsockname()[1]))
    sender = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import civicdesk.platform.cli as c; c.setup_django(); "
            "from civicdesk.domain.cases.delivery import deliver_outbox; deliver_outbox()",
        ],
        env=env,
    )
    message = OutboxMessage.objects.get(case=case, kind="receipt")
    try:
        wait_for(
            lambda: OutboxMessage.objects.filter(pk=message.pk, state=MessageState.SENDING).exists(),
            message="the sender to claim the message",
        )
        wait_for(lambda: accepted, message="the sender to connect")
    finally:
        sender.kill()
        sender.wait(10)
        stalled.close()
    message.refresh_from_db()
    assert message.state == MessageState.SENDING
    assert message.message_id
    assert message.attempts == 0

    assert deliver_outbox().sent == 0  # its claim still holds
    assert message.claimed_until is not None
    with timesource.frozen_at(message.claimed_until + timedelta(seconds=1)):
        assert deliver_outbox().sent == 1

    kept_id = message.message_id
    message.refresh_from_db()
    assert (message.state, message.attempts, message.message_id) == (MessageState.SENT, 1, kept_id)
    [received] = smtp.recorder.received
    assert received["Message-ID"] == kept_id


def test_without_a_mail_server_each_message_is_an_eml_file_in_the_data_folder(city, now, tmp_path: Path) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = _receipt_case(city)
    _released()

    with override_settings(EMAIL_BACKEND="civicdesk.platform.mail_files.EmlFileBackend", EMAIL_FILE_PATH=tmp_path):
        assert deliver_outbox().sent == 1

    [written] = list(tmp_path.glob("*.eml"))
    parsed = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    message = OutboxMessage.objects.get(case=case, kind="receipt")
    assert parsed["Message-ID"] == message.message_id
    assert parsed["To"] == "pat@example.org"
    assert message.state == MessageState.SENT
    assert not list(tmp_path.glob("*.part"))


def test_a_closed_complaint_reaches_the_resident_in_their_language_with_the_ombudsman_text_each_time(
    city, now, smtp
) -> None:
    """PK-OMB, MB-WRITTEN: the closure letter as the resident's mail server receives it, and again after a reopen."""
    city.jurisdiction.ombudsman_information = "Ontario Ombudsman: 1-800-263-1830, ombudsman.on.ca"
    city.jurisdiction.ombudsman_translations = {"es": "Defensor del Pueblo de Ontario: 1-800-263-1830"}
    city.jurisdiction.save()
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(
        city,
        contact=actions.ContactDetails(name="Ana Ruiz", title="ms", email="ana@example.org", language="es"),
    )
    actions.acknowledge_case(case=case, actor=city.csr, message="Revisaremos el árbol esta semana.")
    actions.close_case(case=case, actor=city.staff("staff.forestry"), note="Podamos la rama.")
    _released()
    deliver_outbox()

    letters = [m for m in smtp.recorder.received if m["X-Civicdesk-Reference"] == case.reference]
    closed = OutboxMessage.objects.get(case=case, kind="closed")
    [first] = [m for m in letters if m["Message-ID"] == closed.message_id]
    assert first["To"] == "ana@example.org"
    assert first["Content-Language"] == "es"
    text = first.get_content()
    assert text.startswith("Estimada Sra. Ana Ruiz:")
    assert "Podamos la rama." in text
    assert "Defensor del Pueblo de Ontario: 1-800-263-1830" in text
    assert "Ontario Ombudsman" not in text  # the Spanish text, not the English one

    # Past the closure: reopened and closed again, the resident is written to again, once, with the same text.
    now.set(local(2026, 11, 4, 10, 0))
    actions.reopen_case(case=case, actor=city.csr, reason="La rama volvió a caer.")
    actions.close_case(case=case, actor=city.staff("staff.forestry"), note="Retiramos la rama entera.")
    _released()
    deliver_outbox()
    second = OutboxMessage.objects.filter(case=case, kind="closed").exclude(pk=closed.pk).get()
    [again] = [m for m in smtp.recorder.received if m["Message-ID"] == second.message_id]
    assert "Retiramos la rama entera." in again.get_content()
    assert "Defensor del Pueblo de Ontario" in again.get_content()
    assert deliver_outbox().sent == 0
