"""Bounces: a message the mail server took that the far end then reported it could not deliver (RFC 3464).

Handing a message to the mail server is not delivering it: the resident's
mailbox may not exist, or be full, and the server says so later in a delivery
report. A permanent failure (Action ``failed``, a 5.x.x status) makes the
message ``failed`` even though it was ``sent``, with the report's words as its
last error, as a refusal at sending would; a delay (4.x.x) or a report of
delivery is only a line in its delivery attempts. A report about a copy
(``cc``) is a line too: the message reached its recipient.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from civicdesk.domain.outbox.models import AttemptOutcome, DeliveryAttempt, MessageState, OutboxMessage


def addressed_to(message: OutboxMessage) -> str:
    """The address the message was sent to (its recipient's, or the address on file)."""
    return (message.recipient_address or (message.recipient_user.email if message.recipient_user else "")).lower()


def record_bounce(
    *,
    message: OutboxMessage,
    status: str,
    diagnostic: str,
    at: datetime,
    action: str = "failed",
    recipient: str = "",
) -> bool:
    """Record what a delivery report says about ``message`` for ``recipient``; True when it made the message failed.

    ``action`` is the report's (failed, delayed, delivered, relayed, expanded). A message already failed
    only gets the line: it fails once, and its case is told once.
    """
    copy = bool(recipient) and recipient.lower() != addressed_to(message) and _is_copied(message, recipient)
    words = " ".join(part for part in (status, diagnostic) if part) or "no status given"
    if action == "failed":
        outcome, detail = AttemptOutcome.FAILED, f"bounced: {words}"
    elif action == "delayed":
        outcome, detail = AttemptOutcome.RETRY, f"delayed, the receiving server is still trying: {words}"
    else:
        outcome, detail = AttemptOutcome.SENT, f"reported {action or 'delivered'}: {words}"
    if copy:
        detail = f"{detail} (the copy to {recipient})"
    with transaction.atomic():
        row = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        fails_now = outcome == AttemptOutcome.FAILED and not copy and row.state != MessageState.FAILED
        if fails_now:
            # A claim still open on it (a resend under way) can no longer record it sent: its update asks for
            # the state "sending".
            OutboxMessage.objects.filter(pk=row.pk).update(
                state=MessageState.FAILED, last_error=detail[:2000], next_attempt_at=None, claim="", claimed_until=None
            )
        DeliveryAttempt.objects.create(
            jurisdiction_id=row.jurisdiction_id, message=row, attempted_at=at, outcome=outcome, detail=detail[:2000]
        )
    if fails_now:
        message.refresh_from_db()
    return fails_now


def _is_copied(message: OutboxMessage, address: str) -> bool:
    return message.cc_users.filter(email__iexact=address).exists()


def returned_message(
    *, jurisdiction_id: int, message_ids: list[str], case_reference: str = "", recipients: list[str] | None = None
) -> OutboxMessage | None:
    """The message of ours a delivery report returns, by its Message-ID; else by the case reference we send in
    X-Civicdesk-Reference, the latest message on that case sent to one of the report's recipients."""
    sent = OutboxMessage.objects.filter(jurisdiction_id=jurisdiction_id).select_related("recipient_user")
    ids = [i for i in message_ids if i]
    if ids:
        found = {m.message_id: m for m in sent.filter(message_id__in=ids)}
        for message_id in ids:
            if message_id in found:
                return found[message_id]
    if case_reference and recipients:
        wanted = {address.lower() for address in recipients}
        candidates = sent.filter(
            case__reference=case_reference, state__in=(MessageState.SENT, MessageState.FAILED)
        ).order_by("-sent_at", "-pk")
        for message in candidates[:50]:
            if addressed_to(message) in wanted:
                return message
    return None
