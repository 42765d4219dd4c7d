"""An email as civicdesk reads it: who wrote, what they wrote, what it answers, what came with it, and whether a person sent it.

Parsing is the standard library's (``email`` with the default policy), which
decodes encoded headers and bodies in any declared charset; what it cannot
decode is replaced, never fatal. HTML-only mail becomes text with
inscriptis. Automatic mail is recognised by the signs RFC 3834 and mailing
lists give (Auto-Submitted, Precedence, List-*, delivery reports, mailer
daemons, auto-responders' own headers) and by our own messages coming back.
A delivery report (RFC 3464: ``multipart/report; report-type=delivery-status``)
is read further: which of our messages it returns (the returned headers'
Message-ID, the report's own In-Reply-To/References, our
X-Civicdesk-Reference header) and, per recipient, its Action, Status and
Diagnostic-Code.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import HeaderParser
from email.utils import parseaddr

from inscriptis import get_text  # type: ignore[import-untyped]  # the package ships no type information

from civicdesk.domain.cases.references import normalise

MAX_BODY = 10_000  # the longest description a case takes
REFERENCE_IN_SUBJECT = re.compile(r"\b(\d{3}[\s-]?\d{3}[\s-]?\d{3})\b")
STATUS_CODE = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")
REPORT_ACTIONS = ("failed", "delayed", "delivered", "relayed", "expanded")
AUTOMATIC_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+@]|$)", re.I)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class RecipientStatus:
    """One recipient's lines of a delivery report (RFC 3464 section 2.3)."""

    recipient: str  # the Final-Recipient's address, else the Original-Recipient's
    original_recipient: str
    action: str  # failed, delayed, delivered, relayed or expanded (from the Status when the Action is missing)
    status: str  # e.g. 5.1.1
    diagnostic: str  # the Diagnostic-Code, e.g. "smtp; 550 5.1.1 User unknown"

    @property
    def failed(self) -> bool:
        return self.action == "failed"


@dataclass(frozen=True)
class DeliveryReport:
    """A delivery report: the message it returns and what became of it for each recipient."""

    returned_ids: list[str]  # the returned message's Message-ID, then the report's In-Reply-To and References
    returned_reference: str  # the X-Civicdesk-Reference header of the returned message
    returned_subject: str
    recipients: list[RecipientStatus]
    problem: str  # why the report could not be read, or ""


@dataclass
class ParsedMail:
    message_id: str
    sender: str
    sender_name: str
    subject: str
    body: str
    in_reply_to: list[str]  # In-Reply-To, then References, newest first
    automatic: str  # why it is automatic mail, or "" for a person's message
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what could not be read
    languages: list[str] = field(default_factory=list)  # what the sender's mail program declared (Content-Language)
    delivery_report: DeliveryReport | None = None

    def reference(self) -> str | None:
        """A case reference quoted in the subject (``Re: Your reference 123-456-789``), if it is a valid one."""
        for candidate in REFERENCE_IN_SUBJECT.findall(self.subject):
            reference = normalise(candidate)
            if reference:
                return reference
        return None


def parse(raw: bytes, *, own_address: str) -> ParsedMail:
    """Read ``raw`` (the bytes as received); never raises on malformed mail, it notes the problem instead."""
    message = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
    problems = [type(defect).__name__ for defect in message.defects]
    name, sender = parseaddr(_header(message, "From"))
    body, attachments = _content(message, problems)
    message_id = _header(message, "Message-ID").strip()
    if not message_id:
        message_id = f"<sha256-{hashlib.sha256(raw).hexdigest()}@no-message-id>"  # the same bytes twice are one message
    threads = _ids(_clean(_header(message, "In-Reply-To"))) + list(
        reversed(_ids(_clean(_header(message, "References"))))
    )
    return ParsedMail(
        message_id=_clean(message_id)[:255],
        sender=_clean(sender).strip().lower()[:254],
        sender_name=_clean(name).strip()[:200],
        subject=" ".join(_clean(_header(message, "Subject")).split())[:300],
        body=_clean(body).strip()[:MAX_BODY],
        in_reply_to=threads,
        automatic=_automatic(message, sender.strip().lower(), own_address.lower()),
        attachments=attachments,
        problems=problems,
        languages=[tag.strip() for tag in _clean(_header(message, "Content-Language")).split(",") if tag.strip()][:5],
        delivery_report=_delivery_report(message, threads),
    )


def _clean(text: str) -> str:
    """Text as the database keeps it: NUL characters (which no mail program shows, and PostgreSQL refuses) removed."""
    return text.replace("\x00", "")


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name, "")
    except (ValueError, IndexError, TypeError):  # a header the policy cannot parse
        raw = message.get_all(name, failobj=[])
        value = str(raw[0]) if raw else ""
    return str(value or "")


def _ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value)


def _automatic(message: Message, sender: str, own_address: str) -> str:
    auto_submitted = _header(message, "Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _header(message, "Precedence").strip().lower()
    if precedence in ("bulk", "list", "junk", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("List-Id", "List-Unsubscribe", "List-Post"):
        if _header(message, name):
            return f"mailing list ({name})"
    for name in ("X-Autoreply", "X-Autorespond"):
        if _header(message, name):
            return f"auto-responder ({name})"
    if message.get_content_type() == "multipart/report":
        return "delivery or read report"
    if not sender:
        return "no sender address"
    if AUTOMATIC_SENDERS.match(sender):
        return f"automatic sender {sender}"
    if _header(message, "X-Civicdesk-Reference") or sender == own_address:
        return "one of our own messages"
    return ""


def _content(message: EmailMessage, problems: list[str]) -> tuple[str, list[Attachment]]:
    """The text a person wrote (plain text preferred, else HTML as text) and the attached files."""
    body = ""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except (KeyError, LookupError, ValueError) as error:
        problems.append(f"body: {error}")
        part = None
    if part is not None:
        text = _text_of(part, problems)
        body = get_text(text) if part.get_content_type() == "text/html" else text
    attachments = []
    for item in message.iter_attachments() if message.is_multipart() else []:
        try:
            content = item.get_payload(decode=True) or b""
        except (ValueError, LookupError) as error:
            problems.append(f"attachment: {error}")
            continue
        if not isinstance(content, bytes):
            continue
        filename = item.get_filename() or "attachment"
        attachments.append(
            Attachment(filename=_clean(filename)[:255], content_type=item.get_content_type(), content=content)
        )
    return body, attachments


def _text_of(part: Message, problems: list[str]) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        problems.append(f"unknown charset {charset!r}")
        return payload.decode("utf-8", errors="replace")


def _delivery_report(message: EmailMessage, threads: list[str]) -> DeliveryReport | None:
    """The report a ``multipart/report; report-type=delivery-status`` carries; None for any other mail."""
    if message.get_content_type() != "multipart/report":
        return None
    if str(message.get_param("report-type", "", header="content-type") or "").lower() != "delivery-status":
        return None
    recipients: list[RecipientStatus] = []
    returned: Message | None = None
    problem = ""
    for part in message.iter_parts():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            recipients = _recipient_statuses(part)
        elif kind == "message/rfc822" and returned is None:
            payload = part.get_payload()
            first = payload[0] if isinstance(payload, list) and payload else None
            returned = first if isinstance(first, Message) else None
        elif kind == "text/rfc822-headers" and returned is None:
            returned = HeaderParser(policy=email.policy.default).parsestr(_text_of(part, []))
    if not recipients:
        problem = "its delivery-status part names no recipient with an Action or Status"
    ids = [] if returned is None else _ids(_clean(_header(returned, "Message-ID")))
    return DeliveryReport(
        returned_ids=(ids + [i for i in threads if i not in ids])[:20],
        returned_reference=_clean(_header(returned, "X-Civicdesk-Reference")).strip()[:16] if returned else "",
        returned_subject=" ".join(_clean(_header(returned, "Subject")).split())[:300] if returned else "",
        recipients=recipients,
        problem=problem,
    )


def _recipient_statuses(part: Message) -> list[RecipientStatus]:
    """The per-recipient blocks of a ``message/delivery-status`` part (the first block is the per-message one)."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return []
    statuses = []
    for block in payload:
        if not isinstance(block, Message):
            continue
        status = _clean(_header(block, "Status")).strip().split(" ")[0]
        status = status if STATUS_CODE.match(status) else ""
        action = _clean(_header(block, "Action")).strip().lower()
        if action not in REPORT_ACTIONS:
            action = {"5": "failed", "4": "delayed", "2": "delivered"}.get(status[:1], "")
        final, original = _address(block, "Final-Recipient"), _address(block, "Original-Recipient")
        if not action or not (final or original):
            continue
        statuses.append(
            RecipientStatus(
                recipient=final or original,
                original_recipient=original,
                action=action,
                status=status,
                diagnostic=" ".join(_clean(_header(block, "Diagnostic-Code")).split())[:1000],
            )
        )
    return statuses


def _address(block: Message, name: str) -> str:
    """The address of a ``Final-Recipient: rfc822; pat@example.org`` line, lower case."""
    value = _clean(_header(block, name)).strip()
    _type, _sep, address = value.rpartition(";")
    return address.strip().strip("<>").lower()[:254]
