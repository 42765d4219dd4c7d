"""Mail in from a mailbox: ``civicdesk mail-poll`` against a real IMAP server (Dovecot) started by the test."""

from __future__ import annotations

import imaplib
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from civicdesk.channels.mail.intake import Mailbox
from civicdesk.channels.mail.poller import MailboxUnavailable, poll_once
from civicdesk.domain.cases.models import Case, Channel
from civicdesk.domain.inbox.models import InboundMessage, Outcome
from civicdesk.platform.config import ImapConfig
from tests.fixtures.dovecot import ImapServer, dovecot
from tests.fixtures.processes import civicdesk_env, run_civicdesk

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def imap() -> Iterator[ImapServer]:
    with dovecot() as server:
        yield server


def account(server: ImapServer, *, password: str | None = None) -> ImapConfig:
    return ImapConfig(
        host=server.host, port=server.port, user=server.user, password=password or server.password, use_ssl=False
    )


def deliver(server: ImapServer, *messages: EmailMessage) -> None:
    client = imaplib.IMAP4(server.host, server.port)
    client.login(server.user, server.password)
    for message in messages:
        client.append("INBOX", "", "", message.as_bytes())
    client.logout()


def unseen(server: ImapServer) -> int:
    client = imaplib.IMAP4(server.host, server.port)
    client.login(server.user, server.password)
    client.select("INBOX")
    _status, found = client.uid("SEARCH", "UNSEEN")
    client.logout()
    return len(found[0].split())


def mail(subject: str, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Pat Resident <pat@example.org>"
    message["To"] = "311@pickering.example"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.org")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(f"{subject}: please send someone.")
    return message


def test_each_unseen_message_becomes_a_case_once_and_is_marked_seen(city, imap) -> None:
    deliver(imap, mail("Graffiti on the bridge"), mail("Out of office", Auto_Submitted="auto-replied"))
    mailbox = Mailbox(city.jurisdiction, "https://pickering.example/status/")

    report = poll_once(account(imap), mailbox)

    assert report.taken == 2
    assert report.outcomes == {Outcome.NEW_CASE: 1, Outcome.AUTOMATIC: 1}
    assert Case.objects.filter(channel=Channel.EMAIL).count() == 1
    assert InboundMessage.objects.filter(via="imap").count() == 2
    assert unseen(imap) == 0
    assert poll_once(account(imap), mailbox).taken == 0  # nothing twice


def test_a_message_seen_again_after_a_poller_stopped_mid_way_is_recorded_once(city, imap) -> None:
    message = mail("Streetlight flickering")
    deliver(imap, message)
    mailbox = Mailbox(city.jurisdiction, "https://pickering.example/status/")
    poll_once(account(imap), mailbox)
    # As if the poller had stopped before flagging it: the message is unseen again.
    client = imaplib.IMAP4(imap.host, imap.port)
    client.login(imap.user, imap.password)
    client.select("INBOX")
    client.store("1", "-FLAGS", "(\\Seen)")
    client.logout()

    assert poll_once(account(imap), mailbox).taken == 1
    assert InboundMessage.objects.filter(message_id=message["Message-ID"]).count() == 1
    assert Case.objects.filter(channel=Channel.EMAIL).count() == 1


def test_a_wrong_password_is_said_in_one_line(city, imap) -> None:
    with pytest.raises(MailboxUnavailable, match="refused the account 'city311'"):
        poll_once(account(imap, password="wrong"), Mailbox(city.jurisdiction, ""))


def test_civicdesk_mail_poll_once_reads_the_mailbox_from_the_environment(city, imap, tmp_path) -> None:
    deliver(imap, mail("Missed garbage pick-up"))
    env = civicdesk_env(
        CIVICDESK_DATA_DIR=str(tmp_path),
        IMAP_HOST=imap.host,
        IMAP_PORT=str(imap.port),
        IMAP_USER=imap.user,
        IMAP_PASSWORD=imap.password,
        IMAP_USE_SSL="0",
    )
    result = run_civicdesk("mail-poll", "--once", env=env)

    assert result.returncode == 0, result.stderr
    assert "1 message(s) taken from INBOX" in result.stdout
    assert Case.objects.filter(channel=Channel.EMAIL).count() == 1


def test_civicdesk_mail_poll_without_a_mailbox_says_which_setting_is_missing(tmp_path) -> None:
    result = run_civicdesk("mail-poll", "--once", env=civicdesk_env(CIVICDESK_DATA_DIR=str(tmp_path)))
    assert result.returncode == 2
    assert "IMAP_HOST is not set" in result.stderr
