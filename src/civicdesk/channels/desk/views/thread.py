"""The case's thread (the resident's emails and every message sent on the case), its attachments, undelivered mail.

Attachments and the scans of letters are served to staff who may see the case
only (a scan, which shows who wrote, to roles that may see the resident,
PK-PRIV), always as a download (never shown inline, never as HTML), with
headers that stop a browser guessing their type or running anything in them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from civicdesk.channels.desk import selectors
from civicdesk.channels.desk.forms import EmailAnswerForm
from civicdesk.channels.desk.views.common import DeskRequest, desk_view, nav_context
from civicdesk.channels.ui import files
from civicdesk.domain.cases import access, approvals
from civicdesk.domain.cases.models import Case
from civicdesk.domain.inbox import storage
from civicdesk.domain.inbox.models import InboundMessage
from civicdesk.domain.outbox.models import Audience, MessageState, OutboxMessage
from civicdesk.domain.staff.models import User
from civicdesk.platform import timesource

PAGE_SIZE = 100
SENT_STATES = (MessageState.SENT, MessageState.DIGESTED)


def _name(user: User | None) -> str:
    return user.display_name if user is not None else ""


def may_answer(user: User, case: Case) -> bool:
    """Staff who answer residents, on a case whose resident left an email address."""
    contact = case.contact if access.may_see_contact(user) else None
    return user.has_perm("cases.acknowledge_case") and contact is not None and bool(contact.email)


def _received(message: InboundMessage, case: Case, show_contact: bool) -> dict[str, Any]:
    sender = message.sender_name or message.sender
    if message.sender_name and message.sender:
        sender = f"{message.sender_name} <{message.sender}>"
    return {
        "kind": "received",
        "at": message.received_at,
        "who": sender if show_contact else _("the resident"),
        "subject": message.subject,
        "body": message.body,
        "attachments": [
            {
                "name": a.filename or _("unnamed file"),
                "size": a.size,
                "url": reverse("desk:attachment", args=[case.reference, a.pk]) if a.kept else "",
                "reason": a.reason,
            }
            for a in message.attachments.all()
        ],
        "opened_at": message.opened_at,
        "opened_by": _name(message.opened_by),
    }


def _sent(message: OutboxMessage, show_contact: bool) -> dict[str, Any]:
    to_resident = message.audience == Audience.RESIDENT
    if to_resident and not show_contact:
        to = _("the resident")
    elif message.recipient_user is not None:
        email = message.recipient_user.email
        to = f"{_name(message.recipient_user)} <{email}>" if email else _name(message.recipient_user)
    else:
        to = message.recipient_address or _("nobody: no address on file")
    carrier = message.digest if message.state == MessageState.DIGESTED and message.digest else message
    attempts = [
        {"at": a.attempted_at, "outcome": a.get_outcome_display(), "detail": a.detail}
        for a in carrier.delivery_attempts.all()
    ]
    state = MessageState(message.state)
    return {
        "kind": "sent",
        "pk": message.pk,
        "author": _name(message.author),
        "author_pk": message.author_id,
        "reviewer": _name(message.reviewed_by),
        "reviewed_at": message.reviewed_at,
        "return_reason": message.return_reason,
        "awaiting": state == MessageState.AWAITING_APPROVAL,
        "returned": state == MessageState.RETURNED,
        "at": message.created_at,
        "audience": message.get_audience_display(),
        "to": to,
        "cc": [_name(u) for u in message.cc_users.all()],
        "subject": message.subject,
        "body": message.body,
        "state": state.label,
        "delivered": state in SENT_STATES and carrier.state == MessageState.SENT,
        "failed": state == MessageState.FAILED or carrier.state == MessageState.FAILED,
        "waiting": state in (MessageState.PENDING, MessageState.READY, MessageState.SENDING),
        "release_at": message.release_at,
        "sent_at": carrier.sent_at,
        "error": carrier.last_error,
        "attempts": attempts,
    }


def thread_context(request: DeskRequest, case: Case, *, answer_form: EmailAnswerForm | None = None) -> dict[str, Any]:
    """What desk/_thread.html shows; opening the page counts as opening the case's unread mail (PK-EMAIL-CHECK)."""
    user = request.user
    show_contact = access.may_see_contact(user)
    items = [
        _received(row, case, show_contact) if isinstance(row, InboundMessage) else _sent(row, show_contact)
        for _at, _kind, row in selectors.thread_of(case)
    ]
    # Staff who answer residents check the mailbox; a read-only role's visit does not count as opening it.
    if user.has_perm("cases.acknowledge_case"):
        selectors.mark_mail_opened(case, user, timesource.now())
    answerable = may_answer(user, case)
    for item in items:
        if item.get("awaiting"):
            item["may_approve"] = approvals.may_review(user) and item["author_pk"] != user.pk
            item["may_return"] = approvals.may_review(user)
    return {
        "thread": items,
        "answer_form": (answer_form or EmailAnswerForm(prefix="email")) if answerable else None,
    }


@desk_view
def attachment(request: DeskRequest, reference: str, pk: int) -> FileResponse:
    try:
        case = selectors.case_page(request.user, reference)
    except Case.DoesNotExist:
        raise Http404 from None
    row = selectors.attachment_of(case, pk)
    if row is None:
        raise Http404
    return _download(row.sha256, row.filename or f"attachment-{row.pk}")


@desk_view
def scan(request: DeskRequest, reference: str, pk: int) -> FileResponse:
    """The scan of a letter or fax the case was registered from (PK-PRIV: it shows who wrote)."""
    try:
        case = selectors.case_page(request.user, reference)
    except Case.DoesNotExist:
        raise Http404 from None
    if not access.may_see_contact(request.user):
        raise PermissionDenied
    row = selectors.scan_of(case, pk)
    if row is None:
        raise Http404
    return _download(row.sha256, row.original_name or f"scan-{row.pk}")


def _download(sha256: str, filename: str) -> FileResponse:
    path = storage.path_of(sha256)
    if not path.is_file():
        raise Http404
    return files.download(path.open("rb"), filename=filename)


@desk_view
def undelivered(request: DeskRequest) -> HttpResponse:
    """Customer Care: every message on a case that could not be delivered, newest first."""
    if not request.user.has_perm("cases.view_all_departments"):
        raise PermissionDenied
    page = Paginator(selectors.undelivered(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    show_contact = access.may_see_contact(request.user)
    rows = [{"message": m, "item": _sent(m, show_contact)} for m in page]
    return render(
        request,
        "desk/undelivered.html",
        {**nav_context(request, "undelivered"), "rows": rows, "page": page},
    )
