"""Delivery: ready messages handed to the mail server, each delivered at least once and recorded sent exactly once.

A sender claims a batch of ready messages with a compare-and-set (so
senders on several machines never take the same message), gives each a
Message-ID that it keeps on every attempt, and hands it to Django's mail
back-end: SMTP when ``EMAIL_HOST`` is set, otherwise an ``.eml`` file per
message. What the server answers decides the outcome:

- accepted: ``sent``, with ``sent_at``, written only by the claim that sent it;
- refused for now (4xx, the server down or unreachable): tried again after a
  growing pause (:data:`RETRY_AFTER`); while the server is unreachable the rest
  of the batch is handed back untried, so nothing is lost and nothing counted;
- refused for good (5xx, no address on file) or still failing after
  :data:`GIVE_UP_AFTER`: ``failed``, for Customer Care and the case's owner.

A sender that stops mid-way (killed, the machine lost) leaves its messages
``sending``; once its claim runs out (:data:`LEASE`) another sender takes
them again. The mail server may then receive a message twice, always with
the same Message-ID, which mail programs use to show it once; the outbox
records it sent once. Every attempt is kept (:class:`DeliveryAttempt`).
"""

from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q

from civicdesk.domain.outbox.models import AttemptOutcome, DeliveryAttempt, MessageState, OutboxMessage
from civicdesk.platform import timesource

BATCH = 50
LEASE = timedelta(minutes=5)
RETRY_AFTER = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
)
GIVE_UP_AFTER = timedelta(days=3)
AUTO_REPLIES = frozenset({"out_of_office"})


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: list[int] = field(default_factory=list)  # messages that failed for good in this run
    handed_back: int = 0  # claimed, not tried: the mail server was unreachable


class _Unreachable(Exception):
    """The mail server could not be reached at all: stop this run, try the rest later."""


def deliver_ready_messages(*, limit: int = BATCH) -> DeliveryReport:
    """Send up to ``limit`` messages that are ready (or whose retry time or abandoned claim has come)."""
    report = DeliveryReport()
    claim = uuid.uuid4().hex
    messages = _claim(claim, limit)
    if not messages:
        return report
    connection = get_connection(fail_silently=False)
    try:
        for index, message in enumerate(messages):
            if not _still_ours(message, claim):
                continue
            try:
                outcome, detail = _send(connection, message)
            except _Unreachable as error:
                _record(message, claim, AttemptOutcome.RETRY, str(error), report)
                report.handed_back += _hand_back(messages[index + 1 :], claim)
                break
            _record(message, claim, outcome, detail, report)
    finally:
        connection.close()
    return report


def _due(now: datetime) -> Q:
    ready = Q(state=MessageState.READY) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    abandoned = Q(state=MessageState.SENDING, claimed_until__lt=now)
    return ready | abandoned


def _claim(claim: str, limit: int) -> list[OutboxMessage]:
    now = timesource.now()
    ids = list(OutboxMessage.objects.filter(_due(now)).order_by("pk").values_list("pk", flat=True)[:limit])
    if not ids:
        return []
    # The condition is checked again by the UPDATE itself: of two senders, one takes each message.
    OutboxMessage.objects.filter(_due(now), pk__in=ids).update(
        state=MessageState.SENDING, claim=claim, claimed_until=now + LEASE
    )
    messages = list(
        OutboxMessage.objects.filter(claim=claim, state=MessageState.SENDING)
        .select_related("recipient_user", "case")
        .prefetch_related("cc_users")
        .order_by("pk")
    )
    fresh = [m for m in messages if not m.message_id]
    for message in fresh:
        message.message_id = make_msgid(domain=_domain())
    # Kept before the first attempt, so a retry after a crash sends the same Message-ID.
    OutboxMessage.objects.bulk_update(fresh, ["message_id"])
    return messages


def _domain() -> str:
    return str(settings.DEFAULT_FROM_EMAIL).rpartition("@")[2].strip(">") or "localhost"


def _still_ours(message: OutboxMessage, claim: str) -> bool:
    """Renew the claim just before sending (a slow server must not let it run out mid-batch)."""
    return bool(
        OutboxMessage.objects.filter(pk=message.pk, claim=claim, state=MessageState.SENDING).update(
            claimed_until=timesource.now() + LEASE
        )
    )


def _addresses(message: OutboxMessage) -> tuple[str, list[str]]:
    to = message.recipient_address or (message.recipient_user.email if message.recipient_user else "")
    copies = [user.email for user in message.cc_users.all() if user.email and user.email != to]
    return to, copies


def email_for(message: OutboxMessage) -> EmailMessage:
    """The message as sent: its addresses, its Message-ID, and marked as automatic (RFC 3834: no auto-replies)."""
    to, copies = _addresses(message)
    headers = {
        "Message-ID": message.message_id,
        # RFC 3834: a notice written in answer to a message is auto-replied; everything else auto-generated.
        "Auto-Submitted": "auto-replied" if message.kind in AUTO_REPLIES else "auto-generated",
        "Content-Language": message.language,
    }
    if message.case is not None:
        headers["X-Civicdesk-Reference"] = message.case.reference
    return EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        cc=copies,
        headers=headers,
    )


def _send(connection: BaseEmailBackend, message: OutboxMessage) -> tuple[AttemptOutcome, str]:
    to, _copies = _addresses(message)
    if not to:
        return AttemptOutcome.FAILED, "no email address on file for the recipient"
    try:
        connection.send_messages([email_for(message)])
    except (smtplib.SMTPConnectError, smtplib.SMTPAuthenticationError) as error:
        # The server turned the connection or our account away: no message would go; none is to blame.
        connection.close()
        raise _Unreachable(f"mail server refused the session: {error.smtp_code} {_text(error.smtp_error)}") from error
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        answer = "; ".join(f"{who}: {code} {_text(text)}" for who, (code, text) in error.recipients.items())
        return (AttemptOutcome.FAILED if all(code >= 500 for code in codes) else AttemptOutcome.RETRY), answer
    except smtplib.SMTPResponseException as error:
        outcome = AttemptOutcome.FAILED if error.smtp_code >= 500 else AttemptOutcome.RETRY
        connection.close()  # the session may be unusable after a refusal; the next message opens a new one
        return outcome, f"{error.smtp_code} {_text(error.smtp_error)}"
    except (smtplib.SMTPException, OSError) as error:
        connection.close()
        raise _Unreachable(f"mail server unreachable: {error}") from error
    return AttemptOutcome.SENT, "accepted"


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _record(message: OutboxMessage, claim: str, outcome: AttemptOutcome, detail: str, report: DeliveryReport) -> None:
    now = timesource.now()
    if outcome == AttemptOutcome.RETRY and now - message.release_at >= GIVE_UP_AFTER:
        outcome, detail = AttemptOutcome.FAILED, f"{detail} (still failing after {GIVE_UP_AFTER.days} days)"
    changes: dict[str, object] = {"attempts": F("attempts") + 1, "claim": "", "claimed_until": None}
    if outcome == AttemptOutcome.SENT:
        changes |= {"state": MessageState.SENT, "sent_at": now, "last_error": "", "next_attempt_at": None}
    elif outcome == AttemptOutcome.RETRY:
        pause = RETRY_AFTER[min(message.attempts, len(RETRY_AFTER) - 1)]
        changes |= {"state": MessageState.READY, "last_error": detail, "next_attempt_at": now + pause}
    else:
        changes |= {"state": MessageState.FAILED, "last_error": detail, "next_attempt_at": None}
    with transaction.atomic():
        # Only the claim that sent it records it: a sender whose claim ran out records nothing.
        if not OutboxMessage.objects.filter(pk=message.pk, claim=claim, state=MessageState.SENDING).update(**changes):
            return
        DeliveryAttempt.objects.create(
            jurisdiction_id=message.jurisdiction_id,
            message=message,
            attempted_at=now,
            outcome=outcome,
            detail=detail[:2000],
        )
    if outcome == AttemptOutcome.SENT:
        report.sent += 1
    elif outcome == AttemptOutcome.RETRY:
        report.retrying += 1
    else:
        report.failed.append(message.pk)


def _hand_back(messages: list[OutboxMessage], claim: str) -> int:
    """Give claimed messages back untried (no attempt counted): the server was down before their turn."""
    return OutboxMessage.objects.filter(
        pk__in=[m.pk for m in messages], claim=claim, state=MessageState.SENDING
    ).update(state=MessageState.READY, claim="", claimed_until=None)
