"""What the case records about its messages: one that could not be delivered is journaled and its owner told."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from civicdesk.domain.cases import journal, notifications
from civicdesk.domain.cases.models import Action, Case
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.outbox.models import Audience, MessageState, OutboxMessage

UNDELIVERED = "undelivered"  # the kind of the notice itself: a notice about a notice would loop


def record_undelivered(*, message: OutboxMessage) -> bool:
    """A message about a case failed for good: say so in the case's journal and tell whoever is responsible.

    The notice goes to the case's assignee, else its department's mailbox, else
    its director (as every staff message does), unless the failed message was
    such a notice itself. Returns ``False`` when the message belongs to no case.
    """
    if message.case_id is None or message.state != MessageState.FAILED:
        return False
    with UnitOfWork.atomic() as work:
        case = work.lock_case(Case(pk=message.case_id))
        to_whom = message.recipient_address or (message.recipient_user.email if message.recipient_user else "")
        audience = _("the resident") if message.audience == Audience.RESIDENT else _("staff")
        journal.append(
            work=work,
            case=case,
            action=Action.NOTE,
            actor=None,
            note=_("A message to %(audience)s could not be delivered (%(subject)s): %(reason)s")
            % {"audience": audience, "subject": message.subject, "reason": message.last_error},
            data={"message": message.kind, "undelivered": message.pk, "to": to_whom, "reason": message.last_error},
        )
        if message.kind != UNDELIVERED:
            with translation.override(notifications.message_language(case, UNDELIVERED)):
                staff_audience = _("the resident") if message.audience == Audience.RESIDENT else _("staff")
                address = to_whom or _("no address on file")
            subject, body = notifications.compose(
                UNDELIVERED,
                case,
                work=work,
                failed_subject=message.subject,
                audience=staff_audience,
                address=address,
                reason=message.last_error,
            )
            notifications.to_staff(
                work=work,
                case=case,
                kind=UNDELIVERED,
                rule="",
                subject=subject,
                body=body,
                dedupe=f"undelivered:{message.pk}",
            )
    return True


def record_resident_message(
    *,
    case: Case,
    sender: str,
    subject: str,
    text: str,
    attachments: list[str],
    message_id: str,
    sender_address: str = "",
) -> Case:
    """The resident wrote again about ``case`` (a reply by email): their words go on the case's journal.

    Staff see it on the case and answer from there; a closed case stays closed
    until staff decide to reopen it, but the message is on it all the same.
    PK-OOO: while the case's assignee is away, ``sender_address`` is sent the
    out-of-office notice (once per absence) and their alternate the message
    (:func:`civicdesk.domain.cases.notifications.out_of_office`).
    """
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        work.touch(case)
        journal.append(
            work=work,
            case=case,
            action=Action.NOTE,
            actor=None,
            actor_label=f"{sender} (email)",
            note=text[:10_000],
            data={
                "message": "resident_email",
                "subject": subject,
                "message_id": message_id,
                "attachments": attachments,
            },
        )
        notifications.out_of_office(
            work=work, case=case, sender_address=sender_address, subject=subject, text=text, message_id=message_id
        )
        return case
