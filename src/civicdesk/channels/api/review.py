"""``/api/v1/messages``: review before release (LW-CORR): what awaits approval, and approving or returning it.

The same reads and actions as the desk's *Awaiting approval* page: an
approver (supervisor, director, Customer Care administrator) sees the
messages on the cases they may see; a message elsewhere is a 404, so its
existence never leaks.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Router
from ninja.params import Query
from ninja.params import functions as param

from civicdesk.channels.api.auth import current_user
from civicdesk.channels.api.errors import NotFound
from civicdesk.channels.api.schemas import ErrorOut, ReturnIn, ReviewedMessageOut, ReviewFilters, ReviewPage
from civicdesk.domain.cases import access, actions, approvals
from civicdesk.domain.cases.errors import NotAllowed
from civicdesk.domain.outbox.models import OutboxMessage
from civicdesk.domain.staff.models import User
from civicdesk.platform import timesource

router = Router(tags=["review before release"])

PAGE_SIZE = 100
READ_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**READ_ERRORS, 409: ErrorOut}
MESSAGE_ID = param.Path(..., ge=1, le=2**53)


def _require_reviewer(user: User) -> None:
    if not approvals.may_review(user):
        raise NotAllowed("your role does not approve messages before release", rule="LW-CORR")


def _out(user: User, message: OutboxMessage) -> dict[str, Any]:
    until = message.reviewed_at or timesource.now()
    return {
        "id": message.pk,
        "case": message.case.reference if message.case is not None else "",
        "kind": message.kind,
        "state": message.state,
        "subject": message.subject,
        "body": message.body,
        "to": message.recipient_address if access.may_see_contact(user) else None,
        "cc": [u.get_username() for u in message.cc_users.all()],
        "author": message.author.get_username() if message.author is not None else None,
        "written_at": message.created_at,
        "waited_seconds": max(0, int((until - message.created_at).total_seconds())),
        "reviewed_by": message.reviewed_by.get_username() if message.reviewed_by is not None else None,
        "reviewed_at": message.reviewed_at,
        "return_reason": message.return_reason,
    }


def _message_for(user: User, message_id: int) -> OutboxMessage:
    _require_reviewer(user)
    message = approvals.message_for_reviewer(user, message_id)
    if message is None:
        raise NotFound
    return message


def _reread(user: User, message_id: int) -> dict[str, Any]:
    message = approvals.message_for_reviewer(user, message_id)
    if message is None:  # pragma: no cover — it was found a moment ago, in the same city
        raise NotFound
    return _out(user, message)


@router.get(
    "/awaiting-approval",
    response={200: ReviewPage, **READ_ERRORS},
    summary="Messages awaiting approval (LW-CORR)",
    description="Every message to a resident awaiting a second person's approval on the cases you may see, "
    "oldest first, 100 a page.",
)
def awaiting_approval(request: HttpRequest, filters: Query[ReviewFilters]) -> dict[str, Any]:
    user = current_user(request)
    _require_reviewer(user)
    paginator = Paginator(approvals.awaiting_approval_for(user), PAGE_SIZE)
    page = paginator.get_page(filters.page)
    return {"items": [_out(user, m) for m in page], "page": page.number, "has_next": page.has_next()}


@router.post(
    "/{message_id}/approve",
    response={200: ReviewedMessageOut, **WRITE_ERRORS},
    summary="Approve a message awaiting approval (LW-CORR)",
    description="It is released and sent as usual; never by its own author (403). The journal records who wrote "
    "it, who approved it and who is copied. 409 when it no longer awaits approval.",
)
def approve(request: HttpRequest, message_id: int = MESSAGE_ID) -> dict[str, Any]:
    user = current_user(request)
    message = _message_for(user, message_id)
    actions.approve_message(message=message, actor=user)
    return _reread(user, message_id)


@router.post(
    "/{message_id}/return",
    response={200: ReviewedMessageOut, **WRITE_ERRORS},
    summary="Return a message awaiting approval to its author (LW-CORR)",
    description="It is never sent; its author is told the reason (a staff message) and writes it again.",
)
def return_message(request: HttpRequest, payload: ReturnIn, message_id: int = MESSAGE_ID) -> dict[str, Any]:
    user = current_user(request)
    message = _message_for(user, message_id)
    actions.return_message(message=message, actor=user, reason=payload.reason)
    return _reread(user, message_id)
