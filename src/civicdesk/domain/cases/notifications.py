"""Notifications a case change causes, queued to the outbox in the change's unit of work.

Residents' messages are released at once. Staff-facing reminders and
escalations are released in the jurisdiction's business hours, never at
night or on a weekend (PK-ESC, DESIGN.md); when several reach one person at
once they go out as one digest (:func:`civicdesk.domain.outbox.release.release_due_messages`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import formats, translation
from django.utils.translation import gettext as _

from civicdesk.domain.cases import clocks
from civicdesk.domain.cases.models import Case, FollowUpRequest, Kind
from civicdesk.domain.cases.references import display
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.outbox.models import Audience, OutboxMessage
from civicdesk.domain.staff.models import User
from civicdesk.domain.staff.roles import Role


def business_hours_release(case: Case, now: datetime) -> datetime:
    calendar = clocks.profile_for(case.jurisdiction).calendar
    return now if calendar.is_open(now) else calendar.next_opening(now)


def to_resident(
    *, work: UnitOfWork, case: Case, kind: str, subject: str, body: str, dedupe: str | None, rule: str = ""
) -> bool:
    """Queue a message to the case's contact; ``False`` (nothing queued) if they left no email address."""
    contact = case.contact
    if contact is None or not contact.email:
        return False
    message = OutboxMessage(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        kind=kind,
        rule=rule,
        audience=Audience.RESIDENT,
        recipient_address=contact.email,
        subject=subject,
        body=body,
        language=case.language,
        created_at=work.now,
        release_at=work.now,
        dedupe_key=dedupe,
    )
    work.queue_message(message)
    return True


def to_staff(
    *,
    work: UnitOfWork,
    case: Case,
    kind: str,
    rule: str,
    subject: str,
    body: str,
    cc: Iterable[User] = (),
    dedupe: str | None,
) -> None:
    """Queue a message to whoever is responsible for the case, held until business hours."""
    recipient, address = responsible_staff(case)
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
        created_at=work.now,
        release_at=business_hours_release(case, work.now),
        dedupe_key=dedupe,
    )
    work.queue_message(message, copies=[u for u in cc if u != recipient])


def to_customer_care(
    *, work: UnitOfWork, case: Case, kind: str, rule: str, subject: str, body: str, dedupe: str
) -> None:
    """Queue a message to the city's Customer Care administrators, held until business hours."""
    care = list(customer_care(case))
    message = OutboxMessage(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        kind=kind,
        rule=rule,
        audience=Audience.STAFF,
        recipient_user=care[0] if care else None,
        subject=subject,
        body=body,
        created_at=work.now,
        release_at=business_hours_release(case, work.now),
        dedupe_key=dedupe,
    )
    work.queue_message(message, copies=care[1:])


def customer_care(case: Case) -> Iterable[User]:
    """The city's Customer Care administrators, who own a case's follow-up (PK-FOLLOW, PK-COUNCIL)."""
    return User.objects.filter(
        jurisdiction_id=case.jurisdiction_id, is_active=True, groups__name=Role.CARE_ADMIN.label
    ).order_by("pk")


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


def follow_up_request(*, work: UnitOfWork, case: Case, request: FollowUpRequest, copied: list[User]) -> None:
    """The request's message to the department, naming who is copied; one per request number (a retry adds none)."""
    copies = ", ".join(u.get_full_name() or u.get_username() for u in copied)
    body = f"Customer Care follow-up request {request.number} for case {case.reference}:\n\n{request.message}"
    if request.early_reason:
        body += f"\n\nSent before the follow-up date: {request.early_reason}"
    if copies:
        body += f"\n\nCopied: {copies}."
    to_staff(
        work=work,
        case=case,
        kind="follow_up_request",
        rule="PK-ESC" if request.step > 1 else "PK-FOLLOW",
        subject=f"Follow-up request {request.number}: case {case.reference}",
        body=body,
        cc=copied,
        # Numbers run on over the case's life, so a new round's requests are never taken for a retry's.
        dedupe=f"follow-up:{case.pk}:{request.number}",
    )


def receipt(*, work: UnitOfWork, case: Case, status_url: str, acknowledge_by: datetime | None) -> bool:
    """The confirmation email with the reference number, in the resident's language; ``False`` if they left no email."""
    if case.contact is None or not case.contact.email:
        return False
    with translation.override(case.language):
        body = "\n\n".join(
            part
            for part in (
                _("Thank you for contacting %(city)s.") % {"city": case.jurisdiction.name},
                _("Your reference number is %(reference)s. Please keep it.") % {"reference": display(case.reference)},
                expected_reply(case, acknowledge_by=acknowledge_by),
                _(
                    "You can check the status at any time at %(url)s with this reference and your email address or phone number."
                )
                % {"url": status_url},
            )
            if part
        )
        subject = _("Your reference number: %(reference)s") % {"reference": display(case.reference)}
    return to_resident(work=work, case=case, kind="receipt", subject=subject, body=body, dedupe=f"receipt:{case.pk}")


def expected_reply(case: Case, *, acknowledge_by: datetime | None) -> str:
    """What a resident who just reported may expect, in the active language (PK-DEF, PK-ANON, PK-ACK-1BD)."""
    if case.kind == Kind.FEEDBACK:
        return _("Thank you for your feedback: it is recorded and shared with the department. No reply is owed.")
    if not case.investigate:
        return _(
            "Anonymous complaints are recorded but not investigated unless they are an immediate threat to safety."
        )
    if acknowledge_by is None:
        return ""
    local = acknowledge_by.astimezone(clocks.profile_for(case.jurisdiction).calendar.tz)
    return _("We will acknowledge it by %(due)s, and tell you the action planned and its timeline.") % {
        "due": f"{formats.date_format(local, 'l j F Y')}, {formats.time_format(local, 'TIME_FORMAT')}"
    }
