"""Outgoing mail as files: with no mail server configured, each message is one ``.eml`` file an operator can open.

Django's own file backend appends every message of a connection to one log
file; one standard ``.eml`` file per message (RFC 5322, as a mail client
saves it) can be opened in any mail program and is what ``make run`` shows a
newcomer. Files are written under a temporary name and renamed, so a reader
never sees half a message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class EmlFileBackend(BaseEmailBackend):
    """Write each message to ``EMAIL_FILE_PATH/<UTC time>-<Message-ID>.eml``."""

    def __init__(self, *, file_path: str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.folder = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        written = 0
        for email in email_messages:
            message = email.message()
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
            name = UNSAFE.sub("_", str(message["Message-ID"] or "").strip("<>"))[:120] or "message"
            final = self.folder / f"{stamp}-{name}.eml"
            partial = final.with_suffix(".eml.part")
            partial.write_bytes(message.as_bytes(linesep="\r\n"))
            os.replace(partial, final)
            written += 1
        return written
