"""Reads for review before release (LW-CORR): the messages awaiting a second person's approval, and who may approve.

An approver sees the messages awaiting approval on the cases they may see
(:func:`civicdesk.domain.cases.access.cases_visible_to`): every case of their
city for Customer Care, their departments' cases for a supervisor or director.
The desk and the API only format what this module answers.
"""

from __future__ import annotations

from django.db.models import QuerySet

from civicdesk.domain.cases import access
from civicdesk.domain.outbox.models import MessageState, OutboxMessage
from civicdesk.domain.staff.models import User

APPROVE = "outbox.approve_outboxmessage"


def may_review(user: User | None) -> bool:
    """Whether ``user``'s role approves and returns messages awaiting approval."""
    return user is not None and user.is_active and user.has_perm(APPROVE)


def awaiting_approval_for(user: User) -> QuerySet[OutboxMessage]:
    """The messages awaiting approval on the cases ``user`` may see, oldest first (none for a role that does not approve)."""
    if not may_review(user):
        return OutboxMessage.objects.none()
    return (
        OutboxMessage.objects.filter(state=MessageState.AWAITING_APPROVAL, case__in=access.cases_visible_to(user))
        .select_related("case", "author")
        .prefetch_related("cc_users")
        .order_by("created_at", "pk")
    )


def message_for_reviewer(user: User, pk: int) -> OutboxMessage | None:
    """The message ``pk`` on a case ``user`` may see, whatever its state; ``None`` if there is none (no existence leak)."""
    return (
        OutboxMessage.objects.filter(pk=pk, case__in=access.cases_visible_to(user))
        .select_related("case", "author", "reviewed_by")
        .prefetch_related("cc_users")
        .first()
    )
