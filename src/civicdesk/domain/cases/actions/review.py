"""Review before release (LW-CORR): a second person approves a message to the resident, or returns it to its author.

A city that reviews a kind of message (``Jurisdiction.review_before_release``)
has each one a staff member writes queued *awaiting approval*
(:func:`civicdesk.domain.cases.notifications.to_resident`). Here a supervisor,
director or Customer Care administrator of the case:

- approves it (never its own author: a second person must): it becomes pending
  and is released and sent as any message; the journal says who wrote it, who
  approved it and who is copied;
- returns it with the reason: it is never sent, and the author is told (a
  staff message) so they write it again.

The text is not edited on the way: a reviewer who would change it returns it
with what to change, so what the resident reads is what its author wrote and
a second person approved. Nothing owed to the resident is met here: a message
meets what it answers when it is actually sent.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from civicdesk.domain.cases import access, journal, notifications
from civicdesk.domain.cases.approvals import APPROVE
from civicdesk.domain.cases.errors import InvalidInput, NotAllowed, TransitionRefused
from civicdesk.domain.cases.models import Action, Case
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.outbox.models import MessageState, OutboxMessage
from civicdesk.domain.staff.models import User

REASON_LIMIT = 2000
RETURNED = "message_returned"


def approve_message(*, message: OutboxMessage, actor: User) -> OutboxMessage:
    """LW-CORR: ``actor`` approves ``message``, written by someone else; it is released and sent as usual."""
    with UnitOfWork.atomic() as work:
        case, row = _held(work, message, actor)
        if row.author_id == actor.pk:
            raise NotAllowed(
                "you wrote this message; a second person must approve it", rule="LW-CORR", code="own_message"
            )
        copies = [_copy_name(user) for user in row.cc_users.all()]
        OutboxMessage.objects.filter(pk=row.pk, state=MessageState.AWAITING_APPROVAL).update(
            state=MessageState.PENDING, reviewed_by=actor, reviewed_at=work.now, release_at=work.now
        )
        author = row.author.display_name if row.author is not None else _("Customer Care")
        note = _("%(subject)s: written by %(author)s, approved by %(approver)s.") % {
            "subject": row.subject,
            "author": author,
            "approver": actor.display_name,
        }
        note += " " + (
            _("Copied: %(copies)s.") % {"copies": ", ".join(copies)} if copies else _("No one else is copied.")
        )
        journal.append(
            work=work,
            case=case,
            action=Action.NOTE,
            actor=actor,
            note=note,
            data={
                "message": row.kind,
                "outbox": row.pk,
                "review": "approved",
                "author": row.author_id,
                "approved_by": actor.pk,
                "to": row.recipient_address,
                "cc": copies,
                "rule": "LW-CORR",
            },
        )
    row.refresh_from_db()
    return row


def return_message(*, message: OutboxMessage, actor: User, reason: str) -> OutboxMessage:
    """LW-CORR: ``actor`` returns ``message`` with ``reason``: it is never sent, and its author is told why."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why the message is returned, so its author can write it again", field="reason")
    if len(reason) > REASON_LIMIT:
        raise InvalidInput(f"the reason is longer than {REASON_LIMIT} characters", field="reason")
    with UnitOfWork.atomic() as work:
        case, row = _held(work, message, actor)
        OutboxMessage.objects.filter(pk=row.pk, state=MessageState.AWAITING_APPROVAL).update(
            state=MessageState.RETURNED, reviewed_by=actor, reviewed_at=work.now, return_reason=reason
        )
        journal.append(
            work=work,
            case=case,
            action=Action.NOTE,
            actor=actor,
            note=_("%(subject)s: returned by %(reviewer)s, not sent: %(reason)s")
            % {"subject": row.subject, "reviewer": actor.display_name, "reason": reason},
            data={
                "message": row.kind,
                "outbox": row.pk,
                "review": "returned",
                "author": row.author_id,
                "returned_by": actor.pk,
                "reason": reason,
                "rule": "LW-CORR",
            },
        )
        if row.author is not None and row.author_id != actor.pk:
            subject, body = notifications.compose(
                RETURNED,
                case,
                work=work,
                returned_by=actor.display_name,
                returned_subject=row.subject,
                reason=reason,
            )
            notifications.to_person(
                work=work,
                case=case,
                person=row.author,
                kind=RETURNED,
                rule="LW-CORR",
                subject=subject,
                body=body,
                dedupe=f"returned:{row.pk}",
            )
    row.refresh_from_db()
    return row


def _held(work: UnitOfWork, message: OutboxMessage, actor: User) -> tuple[Case, OutboxMessage]:
    """The message's case locked, then the message; refused unless ``actor`` reviews it and it awaits approval."""
    if not actor.has_perm(APPROVE):
        raise NotAllowed("your role does not approve messages before release", rule="LW-CORR")
    if message.case_id is None:
        raise TransitionRefused("this message is not awaiting approval", code="not_awaiting", rule="LW-CORR")
    case = work.lock_case(Case(pk=message.case_id))
    access.require(actor, APPROVE, case, rule="LW-CORR")
    row = OutboxMessage.objects.select_for_update(of=("self",)).select_related("author").get(pk=message.pk)
    if row.state != MessageState.AWAITING_APPROVAL:
        state = MessageState(row.state).label
        raise TransitionRefused(
            f"this message is not awaiting approval (it is {state})", code="not_awaiting", rule="LW-CORR"
        )
    return case, row


def _copy_name(user: User) -> str:
    return f"{user.display_name} <{user.email}>" if user.email else user.display_name
