"""The mailbox poller: reads a city mailbox over IMAP (``civicdesk mail-poll``) where it cannot forward mail to the listener.

Each pass logs in, selects the folder, and takes every unseen message: its
bytes are fetched without marking it read (``BODY.PEEK[]``), recorded by
:func:`civicdesk.channels.mail.intake.receive`, and only then flagged
``\\Seen``. A poller that stops between the two finds the message unseen
again and records nothing twice: the Message-ID is already in the database.
Several pollers, or a poller beside the listener, may read the same mail.
Polling uses the standard library's ``imaplib`` at an interval (``IMAP_POLL_SECONDS``).
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connections

from civicdesk.channels.mail.intake import Mailbox, receive
from civicdesk.platform.config import ImapConfig

logger = logging.getLogger("civicdesk.mail")


class MailboxUnavailable(Exception):
    """The mailbox could not be reached or refused the account: said in one line, retried at the next pass."""


@dataclass
class PollReport:
    taken: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def poll_once(account: ImapConfig, mailbox: Mailbox) -> PollReport:
    """One pass: every unseen message in the folder recorded, then marked seen."""
    report = PollReport()
    try:
        client = _connect(account)
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxUnavailable(f"cannot reach {account.host}:{account.port}: {error}") from error
    try:
        try:
            client.login(account.user, account.password)
        except imaplib.IMAP4.error as error:
            raise MailboxUnavailable(f"{account.host} refused the account {account.user!r}: {error}") from error
        status, _data = client.select(_quoted(account.folder))
        if status != "OK":
            raise MailboxUnavailable(f"no folder {account.folder!r} in the mailbox")
        status, found = client.uid("SEARCH", "UNSEEN")
        uids = [uid.decode() for uid in found[0].split()] if status == "OK" and found and found[0] else []
        for uid in uids:
            raw = _fetch(client, uid)
            if raw is None:
                continue
            row = receive(raw, mailbox=mailbox, via="imap")
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            report.taken += 1
            report.outcomes[row.outcome] = report.outcomes.get(row.outcome, 0) + 1
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
        connections.close_all()
    return report


def poll_forever(account: ImapConfig, mailbox: Mailbox, *, stopped: Callable[[float], bool]) -> None:
    """Pass after pass, every ``account.every`` seconds, until ``stopped(timeout)`` says so; errors wait for the next pass."""
    while True:
        try:
            report = poll_once(account, mailbox)
            if report.taken:
                logger.info("mailbox %s: %s message(s) taken: %s", account.folder, report.taken, report.outcomes)
        except MailboxUnavailable as error:
            logger.warning("mailbox: %s; trying again in %s s", error, account.every)
        if stopped(account.every):
            return


def _connect(account: ImapConfig) -> imaplib.IMAP4:
    if account.use_ssl:
        return imaplib.IMAP4_SSL(account.host or "", account.port, ssl_context=ssl.create_default_context(), timeout=30)
    return imaplib.IMAP4(account.host or "", account.port, timeout=30)


def _fetch(client: imaplib.IMAP4, uid: str) -> bytes | None:
    status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    for part in data:
        if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], bytes):
            return part[1]
    return None


def _quoted(folder: str) -> str:
    return folder if re.fullmatch(r"[A-Za-z0-9._/-]+", folder) else '"' + folder.replace('"', '\\"') + '"'
