"""The mail listener: an SMTP (or LMTP) server a city's mail server forwards residents' mail to (aiosmtpd).

Each message is handed to :func:`civicdesk.channels.mail.intake.receive` in a
worker thread (the database is not used from the event loop). The answer to
the sending server says what it should do next:

- ``250``: recorded, whatever became of it (a case, a message on a case,
  automatic mail set aside, or rejected with the reason kept);
- ``451``: we could not record it now (the database is unreachable, say): the
  sending server keeps it and tries again, so nothing is lost;
- ``552``: larger than :data:`~civicdesk.channels.mail.intake.MAX_MESSAGE_BYTES`,
  refused before it is read.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import connections

from civicdesk.channels.mail.intake import MAX_MESSAGE_BYTES, Mailbox, receive

logger = logging.getLogger("civicdesk.mail")


class IntakeHandler:
    def __init__(self, mailbox: Mailbox, *, via: str) -> None:
        self.mailbox = mailbox
        self.via = via

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 — aiosmtpd's hook
        raw = envelope.original_content or b""
        sender = envelope.mail_from or ""
        try:
            row = await asyncio.get_running_loop().run_in_executor(None, self._receive, raw, sender)
        except Exception:
            logger.exception("mail from %s could not be recorded; the sender will retry", sender)
            return "451 4.3.0 Could not record the message now; please try again later"
        return f"250 2.0.0 Recorded: {row.get_outcome_display()}"

    def _receive(self, raw: bytes, sender: str) -> Any:
        try:
            return receive(raw, mailbox=self.mailbox, via=self.via, envelope_from=sender)
        finally:
            connections.close_all()  # this worker thread's own: a listener that stops leaves none open


class MailListener(Controller):
    """An aiosmtpd controller serving SMTP, or LMTP with ``lmtp=True`` (each its own thread and event loop)."""

    def __init__(self, mailbox: Mailbox, *, host: str, port: int, lmtp: bool = False) -> None:
        self.lmtp = lmtp
        super().__init__(
            IntakeHandler(mailbox, via="lmtp" if lmtp else "smtp"),
            hostname=host,
            port=port,
            data_size_limit=MAX_MESSAGE_BYTES,
            server_hostname="civicdesk",
        )

    def factory(self) -> SMTP:
        if self.lmtp:
            return LMTP(self.handler, **self.SMTP_kwargs)
        return super().factory()  # type: ignore[no-untyped-call,no-any-return]
