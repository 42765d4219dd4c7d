"""Review before release (LW-CORR): the messages awaiting approval, and the approver's Approve and Return buttons.

The page lists every message awaiting approval on the cases the approver may
see (their city's, or their departments' for a supervisor or director),
oldest first, with how long each has waited. Approving and returning are the
case actions ``approve_message`` and ``return_message``; the case page's
thread offers the same buttons.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicdesk.channels.desk.views.common import DeskRequest, desk_view, nav_context
from civicdesk.domain.cases import access, actions, approvals
from civicdesk.domain.cases.errors import CaseError, NotAllowed, TransitionRefused
from civicdesk.domain.outbox.models import OutboxMessage
from civicdesk.platform import timesource

PAGE_SIZE = 50


@desk_view
def review(request: DeskRequest) -> HttpResponse:
    """Every message awaiting approval that this approver may approve or return, oldest first."""
    user = request.user
    if not approvals.may_review(user):
        raise PermissionDenied
    page = Paginator(approvals.awaiting_approval_for(user), PAGE_SIZE).get_page(request.GET.get("page"))
    show_contact = access.may_see_contact(user)
    rows = [
        {
            "message": m,
            "to": m.recipient_address if show_contact else _("the resident"),
            "cc": [u.display_name for u in m.cc_users.all()],
            "author": m.author.display_name if m.author else _("Customer Care"),
            "may_approve": m.author_id != user.pk,
        }
        for m in page
    ]
    return render(
        request,
        "desk/review.html",
        {**nav_context(request, "review"), "rows": rows, "page": page, "now": timesource.now()},
    )


def _message_or_404(request: DeskRequest, pk: int) -> OutboxMessage:
    message = approvals.message_for_reviewer(request.user, pk)
    if message is None:
        raise Http404
    return message


def _back(request: DeskRequest, message: OutboxMessage) -> HttpResponse:
    if request.POST.get("back") == "case" and message.case is not None:
        return redirect(reverse("desk:case", args=[message.case.reference]) + "#thread-heading")
    return redirect("desk:review")


def _refusal(error: CaseError) -> str:
    if isinstance(error, NotAllowed) and error.code == "own_message":
        return _("You wrote this message: a second person must approve it (LW-CORR).")
    if isinstance(error, NotAllowed):
        return _("Your role does not approve messages on this case.")
    if isinstance(error, TransitionRefused) and error.code == "not_awaiting":
        return _("This message is no longer awaiting approval: someone approved or returned it already.")
    if error.field == "reason":
        return _("Say why the message is returned, so its author can write it again.")
    return error.message


@require_POST
@desk_view
def approve(request: DeskRequest, pk: int) -> HttpResponse:
    message = _message_or_404(request, pk)
    try:
        actions.approve_message(message=message, actor=request.user)
    except CaseError as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, _("Approved: the message is on its way to the resident."))
    return _back(request, message)


@require_POST
@desk_view
def return_(request: DeskRequest, pk: int) -> HttpResponse:
    message = _message_or_404(request, pk)
    try:
        actions.return_message(message=message, actor=request.user, reason=request.POST.get("reason", ""))
    except CaseError as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, _("Returned: the message will not be sent, and its author is told why."))
    return _back(request, message)
