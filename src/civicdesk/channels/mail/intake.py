"""Mail in: a received message becomes an email-channel case, or a message on its case, or is set aside, once.

What happens to each message (:class:`~civicdesk.domain.inbox.models.Outcome`):

- a reply (its In-Reply-To or References name one of our messages or one we
  received, or its subject quotes a case reference) is added to that case;
  while the case's assignee is away the sender gets the out-of-office notice
  (once per absence) and the alternate the message (PK-OOO);
- a delivery report (a bounce, RFC 3464) about one of our messages is recorded
  on that message: a permanent failure makes it failed and tells its case's
  owner, as a refusal at sending does;
- automatic mail (out-of-office notices, other delivery reports, mailing
  lists, our own messages coming back) makes no case and gets no reply (RFC 3834);
- anything else becomes a new inquiry on the email channel, and the sender
  gets the receipt with the reference and what to expect (PB-AUTOREPLY);
- a message that cannot be read as mail is recorded as rejected, with why.

The Message-ID is unique in the database, so the same message received
twice (a retrying server, two listeners, a listener and a poller) is
recorded and acted on once.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from civicdesk.channels.mail.language import language_of
from civicdesk.channels.mail.parsing import MAX_BODY, Attachment, DeliveryReport, ParsedMail, parse
from civicdesk.domain.cases import actions
from civicdesk.domain.cases.delivery import record_delivery_report
from civicdesk.domain.cases.errors import CaseError
from civicdesk.domain.cases.models import Case, Channel, Kind
from civicdesk.domain.city.models import Jurisdiction
from civicdesk.domain.inbox import storage
from civicdesk.domain.inbox.models import InboundAttachment, InboundMessage, Outcome
from civicdesk.domain.outbox import bounces
from civicdesk.domain.outbox.models import OutboxMessage
from civicdesk.platform import timesource

logger = logging.getLogger("civicdesk.mail")

MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # what most mail servers accept; the listener refuses more at the SMTP level
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
KEPT_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heic",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
)


@dataclass(frozen=True)
class Mailbox:
    """Where mail is received for: the city, and the page residents check their case's status on."""

    jurisdiction: Jurisdiction
    status_url: str


def receive(raw: bytes, *, mailbox: Mailbox, via: str, envelope_from: str = "") -> InboundMessage:
    """Record ``raw`` and act on it (see the module's docstring); returns its row, the first one if seen before."""
    now = timesource.now()
    try:
        mail = parse(raw, own_address=str(settings.DEFAULT_FROM_EMAIL))
    except Exception as error:
        logger.warning("mail from %s could not be parsed: %s", envelope_from, error)
        return _rejected(raw, mailbox, via, envelope_from, f"not readable as mail: {error}")
    existing = InboundMessage.objects.filter(message_id=mail.message_id).first()
    if existing is not None:
        return existing
    row = InboundMessage(
        jurisdiction=mailbox.jurisdiction,
        message_id=mail.message_id,
        received_at=now,
        via=via,
        envelope_from=envelope_from.replace("\x00", "")[:254],
        sender=mail.sender,
        sender_name=mail.sender_name,
        subject=mail.subject,
        body=mail.body,
        in_reply_to=(mail.in_reply_to[0] if mail.in_reply_to else "")[:255],
        size=len(raw),
    )
    try:
        with transaction.atomic():
            _act(row, mail, mailbox)
            row.save()  # claims the Message-ID: a second receiver's insert fails and its work rolls back
            _keep_attachments(row, mail.attachments)
    except IntegrityError:
        first = InboundMessage.objects.filter(message_id=mail.message_id).first()
        if first is not None:
            return first
        raise
    except CaseError as error:
        return _rejected(raw, mailbox, via, envelope_from, str(error), mail=mail)
    logger.info("mail %s from %s: %s", row.message_id, row.sender or "-", row.get_outcome_display())
    return row


def _act(row: InboundMessage, mail: ParsedMail, mailbox: Mailbox) -> None:
    if mail.delivery_report is not None and _bounce(row, mail.delivery_report, mailbox):
        return
    if mail.automatic:
        row.outcome, row.reason = Outcome.AUTOMATIC, mail.automatic
        return
    case = _thread(mail, mailbox.jurisdiction)
    if case is not None:
        row.outcome, row.case = Outcome.ON_CASE, case
        actions.record_resident_message(
            case=case,
            sender=mail.sender_name or mail.sender,
            subject=mail.subject,
            text=mail.body or mail.subject,
            attachments=[a.filename for a in mail.attachments],
            message_id=mail.message_id,
            sender_address=mail.sender,
        )
        return
    text = mail.body or mail.subject
    if not text:
        row.outcome, row.reason = Outcome.REJECTED, "the message has no subject and no text"
        return
    intake = actions.create_case(
        jurisdiction=mailbox.jurisdiction,
        actor=None,
        actor_label=f"{mail.sender_name or mail.sender} (email)",
        kind=Kind.INQUIRY,
        channel=Channel.EMAIL,
        description=(text if not mail.subject or mail.subject in text else f"{mail.subject}\n\n{text}")[:MAX_BODY],
        contact=actions.ContactDetails(name=mail.sender_name, email=mail.sender),
        language=language_of(declared=mail.languages, text=text, served=list(mailbox.jurisdiction.languages)),
        receipt=actions.Receipt(status_url=mailbox.status_url),
    )
    row.outcome, row.case = Outcome.NEW_CASE, intake.case


def _bounce(row: InboundMessage, report: DeliveryReport, mailbox: Mailbox) -> bool:
    """A delivery report about one of our messages, recorded on it; False when it returns none of ours."""
    addresses = [a for status in report.recipients for a in (status.recipient, status.original_recipient) if a]
    message = bounces.returned_message(
        jurisdiction_id=mailbox.jurisdiction.pk,
        message_ids=report.returned_ids,
        case_reference=report.returned_reference,
        recipients=addresses,
    )
    if message is None:
        return False  # not ours (or not found): automatic mail like any other
    row.outcome, row.case_id = Outcome.BOUNCE, message.case_id
    about = f"{message.subject!r} to {bounces.addressed_to(message) or 'no address'}"
    if report.problem:
        row.reason = f"bounce of {about}, not read: {report.problem}; the message is left as it was"
        return True
    for status in report.recipients:
        record_delivery_report(
            message=message,
            recipient=status.recipient,
            action=status.action,
            status=status.status,
            diagnostic=status.diagnostic,
            at=row.received_at,
        )
    failed = any(status.failed for status in report.recipients)
    said = "; ".join(f"{s.recipient}: {s.action} {s.status}".strip() for s in report.recipients)
    row.reason = f"{'bounce' if failed else 'delivery report'} of {about} ({said})"[:2000]
    return True


def _thread(mail: ParsedMail, jurisdiction: Jurisdiction) -> Case | None:
    """The case this message answers: by the messages it replies to, else by a reference in its subject."""
    if mail.in_reply_to:
        sent = OutboxMessage.objects.filter(
            message_id__in=mail.in_reply_to, case__isnull=False, jurisdiction=jurisdiction
        )
        for ours in sent.select_related("case"):
            return ours.case
        received = InboundMessage.objects.filter(message_id__in=mail.in_reply_to, case__isnull=False)
        for theirs in received.select_related("case"):
            return theirs.case
    reference = mail.reference()
    if reference:
        return Case.objects.filter(jurisdiction=jurisdiction, reference=reference).first()
    return None


def _keep_attachments(row: InboundMessage, attachments: list[Attachment]) -> None:
    for attachment in attachments:
        reason = ""
        if len(attachment.content) > MAX_ATTACHMENT_BYTES:
            reason = f"larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB"
        elif attachment.content_type not in KEPT_TYPES:
            reason = f"a type not kept ({attachment.content_type})"
        if not reason:
            storage.store(attachment.content)  # named by content, never by the sender's file name
        InboundAttachment.objects.create(
            jurisdiction_id=row.jurisdiction_id,
            message=row,
            filename=attachment.filename,
            content_type=attachment.content_type[:100],
            size=len(attachment.content),
            sha256=attachment.sha256,
            kept=not reason,
            reason=reason,
        )


def _rejected(
    raw: bytes, mailbox: Mailbox, via: str, envelope_from: str, reason: str, *, mail: ParsedMail | None = None
) -> InboundMessage:
    message_id = mail.message_id if mail is not None else f"<sha256-{hashlib.sha256(raw).hexdigest()}@rejected>"
    row, _created = InboundMessage.objects.get_or_create(
        message_id=message_id,
        defaults={
            "jurisdiction": mailbox.jurisdiction,
            "received_at": timesource.now(),
            "via": via,
            "envelope_from": envelope_from.replace("\x00", "")[:254],
            "sender": mail.sender if mail else "",
            "subject": mail.subject if mail else "",
            "size": len(raw),
            "outcome": Outcome.REJECTED,
            "reason": reason.replace("\x00", "")[:2000],
        },
    )
    logger.info("mail %s rejected: %s", message_id, reason)
    return row
