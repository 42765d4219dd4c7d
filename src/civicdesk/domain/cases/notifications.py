"""Notifications a case change causes, queued to the outbox in the change's transaction.

Residents' messages are released at once. Staff-facing reminders and
escalations are released in the jurisdiction's business hours, never at
night or on a weekend (PK-ESC, DESIGN.md); when several reach one person at
once they go out as one digest (:func:`civicdesk.domain.outbox.release.release_due_messages`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from civicdesk.domain.cases import clocks
from civicdesk.domain.cases.models import Case, FollowUpRequest
from civicdesk.domain.outbox.models import Audience, OutboxMessage
from civicdesk.domain.staff.models import User
from civicdesk.platform import timesource

if TYPE_CHECKING:
    from civicdesk.domain.cases.batch import Batch


def business_hours_release(case: Case, now: datetime) -> datetime:
    calendar = clocks.profile_for(case.jurisdiction).calendar
    return now if calendar.is_open(now) else calendar.next_opening(now)


def to_resident(
    case: Case, *, kind: str, subject: str, body: str, dedupe: str | None, rule: str = ""
) -> OutboxMessage | None:
    """Queue a message to the case's contact, if they left an email address."""
    contact = case.contact
    if contact is None or not contact.email:
        return None
    now = timesource.now()
    return OutboxMessage.objects.create(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        kind=kind,
        rule=rule,
        audience=Audience.RESIDENT,
        recipient_address=contact.email,
        subject=subject,
        body=body,
        language=case.language,
        created_at=now,
        release_at=now,
        dedupe_key=dedupe,
    )


def to_staff(
    case: Case,
    *,
    kind: str,
    rule: str,
    subject: str,
    body: str,
    cc: Iterable[User] = (),
    dedupe: str | None,
    batch: Batch | None = None,
) -> OutboxMessage | None:
    """Queue a message to whoever is responsible for the case, held until business hours.

    With a ``batch`` the message is written (or dropped as already queued) when the batch is flushed.
    """
    if batch is None and dedupe and OutboxMessage.objects.filter(dedupe_key=dedupe).exists():
        return None
    recipient, address = responsible_staff(case)
    now = timesource.now()
    message = OutboxMessage(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        kind=kind,
        rule=rule,
        audience=Audience.STAFF,
        recipient_user=recipient,
        recipient_address=address,
        subject=subject,
        body=body,
        created_at=now,
        release_at=business_hours_release(case, now),
        dedupe_key=dedupe,
    )
    copies = [u for u in cc if u != recipient]
    if batch is not None:
        batch.add_message(message, copies)
        return message
    message.save()
    if copies:
        message.cc_users.set(copies)
    return message


def responsible_staff(case: Case) -> tuple[User | None, str]:
    """The assignee; else the department's mailbox; else its director."""
    if case.assignee_id:
        return case.assignee, ""
    department = case.department
    if department is None:
        return None, ""
    if department.email:
        return None, department.email
    return department.director, ""


def staff_in_roles(case: Case, roles: Iterable[str]) -> list[User]:
    """The people the ladder's roles name for this case: the division's supervisor, the department's director."""
    people: list[User] = []
    department = case.department
    for role in roles:
        person = None
        if role in ("supervisor", "division_head"):
            division = case.service.division if case.service and case.service.division_id else None
            if division is None and department is not None:
                division = department.divisions.filter(supervisor__isnull=False).order_by("pk").first()
            person = division.supervisor if division else None
        elif role in ("director", "department_head") and department is not None:
            person = department.director
        if person is not None and person not in people:
            people.append(person)
    return people


def follow_up_request(case: Case, request: FollowUpRequest, copied: list[User], *, batch: Batch | None = None) -> None:
    copies = ", ".join(u.get_full_name() or u.get_username() for u in copied)
    body = (
        f"Customer Care follow-up request {request.number} for case {case.reference}: "
        "no update has been recorded. Please record the inspection, the action and its timeline, "
        "or that the resident was advised."
    )
    if copies:
        body += f"\n\nCopied: {copies}."
    to_staff(
        case,
        kind="follow_up_request",
        rule="PK-ESC" if request.number > 1 else "PK-FOLLOW",
        subject=f"Follow-up request {request.number}: case {case.reference}",
        body=body,
        cc=copied,
        dedupe=f"follow-up:{case.pk}:{request.number}",
        batch=batch,
    )
