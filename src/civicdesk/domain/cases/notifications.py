"""Notifications a case change causes, queued to the outbox in the change's unit of work.

Residents' messages are released at once. Staff-facing reminders and
escalations are released in the jurisdiction's business hours, never at
night or on a weekend (PK-ESC, DESIGN.md); when several reach one person at
once they go out as one digest (:func:`civicdesk.domain.outbox.release.release_due_messages`).

Every message's words come from the city's template of its kind in the
message's language, or the shipped default (:func:`compose`,
:mod:`civicdesk.domain.outbox.templates`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from typing import Any

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from civicdesk.domain.cases import clocks, journal
from civicdesk.domain.cases.models import OPEN_COMMITMENT_STATES, Action, Case, FollowUpRequest, Kind, Purpose
from civicdesk.domain.cases.references import display
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.city.models import Department
from civicdesk.domain.outbox import review, templates
from civicdesk.domain.outbox.models import Audience, MessageState, OutboxMessage
from civicdesk.domain.people.models import Contact, Title
from civicdesk.domain.staff import absences
from civicdesk.domain.staff.models import Absence, User
from civicdesk.domain.staff.roles import Role
from civicdesk.platform import timesource

Value = str | Callable[[], str]  # a variable's value, or how to work it out when the template names it


def business_hours_release(case: Case, now: datetime) -> datetime:
    calendar = clocks.profile_for(case.jurisdiction).calendar
    return now if calendar.is_open(now) else calendar.next_opening(now)


def to_resident(
    *,
    work: UnitOfWork,
    case: Case,
    kind: str,
    subject: str,
    body: str,
    dedupe: str | None,
    rule: str = "",
    author: User | None = None,
    address: str | None = None,
) -> bool:
    """Queue a message to the case's contact (or to ``address``); ``False`` (nothing queued) if there is no address.

    ``author`` is the staff member who wrote it (``None``: the product wrote it by itself). LW-CORR: when the
    city reviews messages of ``kind`` before release, one a person wrote waits for a second person's approval
    (:mod:`civicdesk.domain.outbox.review`), and the case's journal says so.
    """
    contact = case.contact
    to = address if address is not None else (contact.email if contact is not None else "")
    if not to:
        return False
    waits = review.needs_approval(case.jurisdiction.review_before_release, kind, written_by_staff=author is not None)
    message = OutboxMessage(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        kind=kind,
        rule=rule,
        audience=Audience.RESIDENT,
        recipient_address=to,
        subject=subject,
        body=body,
        language=case.language,
        author=author,
        created_at=work.now,
        release_at=work.now,
        state=MessageState.AWAITING_APPROVAL if waits else MessageState.PENDING,
        dedupe_key=dedupe,
    )
    work.queue_message(message)
    if waits and author is not None:
        journal.append(
            work=work,
            case=case,
            action=Action.NOTE,
            actor=author,
            note=_("%(subject)s: written by %(author)s, it waits for a second person's approval before it is sent.")
            % {"subject": subject, "author": author.display_name},
            data={"message": kind, "review": "awaiting_approval", "author": author.pk, "rule": "LW-CORR"},
        )
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
    """Queue a message to whoever is responsible for the case, held until business hours.

    PK-OOO: a staff member who is away gets none of it; their alternate does, told on whose behalf.
    """
    away = work.away()
    recipient, address, absence = _responsible(case, away)
    copies = [u for u in cc if u != recipient]
    behalf = [absence] if absence is not None else []
    for person in _case_people(case) if away else []:
        stand, instead = absences.stand_in(person, away)
        if instead is not None and stand in copies and instead not in behalf:
            behalf.append(instead)
    if behalf:
        body += "\n\n" + "\n".join(_on_behalf(instead) for instead in behalf)
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
    work.queue_message(message, copies=copies)


def to_person(
    *, work: UnitOfWork, case: Case, person: User, kind: str, rule: str, subject: str, body: str, dedupe: str | None
) -> None:
    """Queue a message about ``case`` to one staff member, held until business hours.

    PK-OOO: while they are away their alternate receives it, told on whose behalf.
    """
    recipient, absence = absences.stand_in(person, work.away())
    if absence is not None:
        body += "\n\n" + _on_behalf(absence)
    message = OutboxMessage(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        kind=kind,
        rule=rule,
        audience=Audience.STAFF,
        recipient_user=recipient,
        subject=subject,
        body=body,
        created_at=work.now,
        release_at=business_hours_release(case, work.now),
        dedupe_key=dedupe,
    )
    work.queue_message(message)


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


def responsible_staff(case: Case, *, work: UnitOfWork | None = None) -> tuple[User | None, str]:
    """The assignee; else the department's mailbox; else its director. Someone away: their alternate (PK-OOO)."""
    recipient, address, _absence = _responsible(case, _away(work))
    return recipient, address


def _away(work: UnitOfWork | None) -> dict[int, Absence]:
    return work.away() if work is not None else absences.away_at(timesource.now())


def _responsible(case: Case, away: dict[int, Absence]) -> tuple[User | None, str, Absence | None]:
    if case.assignee_id and case.assignee is not None:
        person, absence = absences.stand_in(case.assignee, away)
        return person, "", absence
    department = case.department
    if department is None:
        return None, "", None
    if department.email:
        return None, department.email, None
    if department.director is None:
        return None, "", None
    person, absence = absences.stand_in(department.director, away)
    return person, "", absence


def _case_people(case: Case) -> list[User]:
    """Everyone a staff message about the case may name: its assignee, supervisor and director, as they stand."""
    people = [case.assignee] if case.assignee_id and case.assignee is not None else []
    return people + [p for p in _in_roles(case, ("supervisor", "director")) if p not in people]


def _on_behalf(absence: Absence) -> str:
    absent = absence.user.display_name
    back = formats.date_format(absence.returns, "l j F Y")
    return _("%(alternate)s receives this for %(name)s, who is away and back on %(returns)s (PK-OOO).") % {
        "alternate": absence.alternate.display_name,
        "name": absent,
        "returns": back,
    }


def staff_in_roles(case: Case, roles: Iterable[str], *, work: UnitOfWork | None = None) -> list[User]:
    """The people the ladder's roles name for this case: the division's supervisor, the department's director.

    PK-OOO: someone away is replaced by their alternate while the absence lasts.
    """
    away = _away(work)
    people: list[User] = []
    for person in _in_roles(case, roles):
        stand, _absence = absences.stand_in(person, away)
        if stand not in people:
            people.append(stand)
    return people


def _in_roles(case: Case, roles: Iterable[str]) -> list[User]:
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
    copies = ", ".join(u.display_name for u in copied)
    subject, body = compose(
        "follow_up_request",
        case,
        actor=request.sent_by,
        work=work,
        number=request.number,
        message=request.message,
        early_reason=request.early_reason,
        copied=copies,
    )
    to_staff(
        work=work,
        case=case,
        kind="follow_up_request",
        rule="PK-ESC" if request.step > 1 else "PK-FOLLOW",
        subject=subject,
        body=body,
        cc=copied,
        # Numbers run on over the case's life, so a new round's requests are never taken for a retry's.
        dedupe=f"follow-up:{case.pk}:{request.number}",
    )


def receipt(*, work: UnitOfWork, case: Case, status_url: str, acknowledge_by: datetime | None) -> bool:
    """The confirmation email with the reference number, in the resident's language; ``False`` if they left no email."""
    if case.contact is None or not case.contact.email:
        return False
    with translation.override(templates.supported_language(case.language)):
        expected = expected_reply(case, acknowledge_by=acknowledge_by)
    subject, body = compose("receipt", case, work=work, expected=expected, status_url=status_url)
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
    return _("We will acknowledge it by %(due)s, and tell you the action planned and its timeline.") % {
        "due": local_time(case, acknowledge_by)
    }


def local_date(case: Case, when: datetime) -> str:
    """``when`` as a date in the city's time zone, written in the active language ("Friday 20 March 2026")."""
    local = when.astimezone(clocks.profile_for(case.jurisdiction).calendar.tz)
    return formats.date_format(local, pgettext("a date in a message", "l j F Y"))


def local_time(case: Case, when: datetime) -> str:
    """``when`` as a date and time in the city's time zone, in the active language ("Friday 20 March 2026, 16:30")."""
    local = when.astimezone(clocks.profile_for(case.jurisdiction).calendar.tz)
    return f"{local_date(case, when)}, {formats.time_format(local, 'TIME_FORMAT')}"


def message_language(case: Case, kind: str) -> str:
    """A resident's message is in the case's language; staff's in the city's first language."""
    if templates.KINDS[kind].audience == templates.RESIDENT:
        return templates.supported_language(case.language)
    languages = case.jurisdiction.languages or [settings.LANGUAGE_CODE]
    return templates.supported_language(languages[0])


def compose(
    kind: str, case: Case, *, actor: User | None = None, work: UnitOfWork | None = None, **extra: Any
) -> tuple[str, str]:
    """The subject and body of a message of ``kind`` about ``case``, from the city's template or the default.

    Written in the message's language (:func:`message_language`) with the variables every message has
    (:func:`case_values`) and ``extra``, the kind's own (a datetime is written as a local date and time).
    ``actor`` signs it; ``work`` is the unit of work holding the case, whose unsaved commitments count.
    """
    spec = templates.KINDS[kind]
    unknown = set(extra) - set(spec.variables) - {"timeline"}
    if unknown:
        raise ValueError(f"a {kind} message has no variable(s) {', '.join(sorted(unknown))}")
    language = message_language(case, kind)
    with translation.override(language):
        values = {**case_values(case, actor=actor, work=work), **dict.fromkeys(spec.variables, "")}
        for name, value in extra.items():
            values[name] = (
                local_time(case, value) if isinstance(value, datetime) else "" if value is None else str(value)
            )
        memo = work.memo if work is not None else None
        return templates.compose(case.jurisdiction_id, kind, language, values, memo=memo)


def greeting(contact: Contact | None) -> str:
    """MB-WRITTEN, LW-CORR: "Dear Ms Chen," with the title and name the resident gave, else a neutral greeting."""
    name = contact.name.strip() if contact is not None else ""
    title = contact.title if contact is not None else ""
    if name and title:
        by_title: dict[str, str] = {
            Title.MS: pgettext("greeting", "Dear Ms %(name)s,"),
            Title.MRS: pgettext("greeting", "Dear Mrs %(name)s,"),
            Title.MR: pgettext("greeting", "Dear Mr %(name)s,"),
            Title.MX: pgettext("greeting", "Dear Mx %(name)s,"),
            Title.DR: pgettext("greeting", "Dear Dr %(name)s,"),
        }
        if title in by_title:
            return by_title[title] % {"name": name}
    if name:
        return pgettext("greeting", "Dear %(name)s,") % {"name": name}
    return pgettext("greeting", "Hello,")


def signing_department(case: Case, actor: User | None) -> Department | None:
    """Who the message comes from: the signer's department, else the case's, else the city's Customer Care."""
    if actor is not None and actor.department_id:
        return actor.department
    if case.department_id:
        return case.department
    return Department.objects.filter(jurisdiction_id=case.jurisdiction_id, customer_care=True).order_by("pk").first()


def case_values(case: Case, *, actor: User | None = None, work: UnitOfWork | None = None) -> dict[str, Value]:
    """The variables every message has (``templates.COMMON_VARIABLES``), in the active language when written.

    Each is worked out only if the template names it (a staff message reads no contact, a sweep of many cases
    makes no query per case for what its messages do not say).
    """
    language = translation.get_language() or settings.LANGUAGE_CODE

    @cache
    def department() -> Department | None:
        return signing_department(case, actor)

    def department_name() -> str:
        found = department()
        return found.name if found else ""

    def phone() -> str:
        found = department()
        return (found.phone if found else "") or case.jurisdiction.phone

    def signer() -> str:
        return actor.display_name if actor is not None else _("Customer Care")

    def signer_title() -> str:
        return actor.job_title if actor is not None else ""

    def signature() -> str:
        name, title, from_department = signer(), signer_title(), department_name()
        lines = (
            f"{name}, {title}" if title else name,
            from_department if from_department != name else "",
            phone(),
            case.jurisdiction.name,
        )
        return "\n".join(line for line in lines if line)

    def timeline() -> str:
        if work is not None:
            completion = work.open_commitments(case, [Purpose.COMPLETE])
            due = completion[0].due_at if completion else None
        else:
            row = (
                case.commitments.filter(purpose=Purpose.COMPLETE, state__in=OPEN_COMMITMENT_STATES)
                .order_by("due_at")
                .first()
                if case.pk
                else None
            )
            due = row.due_at if row else None
        return local_date(case, due) if due else ""

    return {
        "greeting": lambda: greeting(case.contact),
        "name": lambda: case.contact.name if case.contact else "",
        "reference": display(case.reference),
        "case_kind": lambda: str(case.get_kind_display()),
        "service": lambda: case.service.name_in(language) if case.service else str(case.get_kind_display()),
        "city": lambda: case.jurisdiction.name,
        "department": department_name,
        "phone": phone,
        "timeline": timeline,
        "signer": signer,
        "signer_title": signer_title,
        "signature": signature,
    }


def _away_values(case: Case | None, absence: Absence, alternate: User, language: str) -> dict[str, str]:
    """PK-OOO: who is away, the day they are back (in ``language``) and who answers meanwhile, with their contact."""
    with translation.override(language):
        returns = formats.date_format(absence.returns, pgettext("a date in a message", "l j F Y"))
    department = alternate.department
    phone = (department.phone if department is not None else "") or (
        case.jurisdiction.phone if case is not None else alternate.jurisdiction.phone if alternate.jurisdiction else ""
    )
    contact = ", ".join(part for part in (alternate.email, phone) if part)
    return {
        "absent": absence.user.display_name,
        "returns": returns,
        "alternate": alternate.display_name,
        "alternate_contact": contact,
    }


def out_of_office(
    *, work: UnitOfWork, case: Case, sender_address: str, subject: str, text: str, message_id: str
) -> bool:
    """PK-OOO, MB-WRITTEN: the resident wrote while the case's assignee is away: tell them, and pass it on.

    The resident (``sender_address``) gets the out-of-office notice in the case's language with the return
    date and the alternate's contact, at most once per absence per address (RFC 3834); the alternate is sent
    the resident's email. The caller has already set automatic mail aside. ``False`` when nobody is away.
    """
    if not sender_address or not case.assignee_id or case.assignee is None:
        return False
    away = work.away()
    absence = away.get(case.assignee_id)
    if absence is None:
        return False
    alternate, _absence = absences.stand_in(case.assignee, away)
    resident = _away_values(case, absence, alternate, message_language(case, "out_of_office"))
    notice_subject, notice_body = compose(
        "out_of_office",
        case,
        work=work,
        absent=resident["absent"],
        returns=resident["returns"],
        alternate=resident["alternate"],
        alternate_contact=resident["alternate_contact"],
    )
    sender = hashlib.sha256(sender_address.strip().lower().encode()).hexdigest()[:40]
    to_resident(
        work=work,
        case=case,
        kind="out_of_office",
        rule="PK-OOO",
        subject=notice_subject,
        body=notice_body,
        dedupe=f"out-of-office:{absence.pk}:{sender}",
        address=sender_address,
    )
    staff = _away_values(case, absence, alternate, message_language(case, "passed_on"))
    passed_subject, passed_body = compose(
        "passed_on",
        case,
        work=work,
        absent=staff["absent"],
        returns=staff["returns"],
        subject=subject,
        text=text[:5000],
    )
    to_staff(
        work=work,
        case=case,
        kind="passed_on",
        rule="PK-OOO",
        subject=passed_subject,
        body=passed_body,
        dedupe=f"passed-on:{hashlib.sha256(message_id.encode()).hexdigest()[:40]}",
    )
    return True


def out_of_office_preview(absence: Absence, language: str) -> tuple[str, str]:
    """PK-OOO: the notice for ``absence`` as a resident will read it in ``language``; the greeting and reference
    are the resident's own (shown as a neutral greeting and a sample reference)."""
    language = templates.supported_language(language)
    user = absence.user
    alternate, _absence = absences.stand_in(user, absences.away_at(timesource.now()) | {user.pk: absence})
    jurisdiction = user.jurisdiction
    with translation.override(language):
        values: dict[str, Any] = templates.sample_context("out_of_office", language)
        department = user.department
        phone = (department.phone if department is not None else "") or (jurisdiction.phone if jurisdiction else "")
        signature = [
            _("Customer Care"),
            department.name if department else "",
            phone,
            jurisdiction.name if jurisdiction else "",
        ]
        values |= {
            "greeting": pgettext("greeting", "Hello,"),
            "signer": _("Customer Care"),
            "signer_title": "",
            "department": department.name if department else "",
            "phone": phone,
            "city": jurisdiction.name if jurisdiction else "",
            "signature": "\n".join(line for line in signature if line),
            **_away_values(None, absence, alternate, language),
        }
    if jurisdiction is None:
        return templates.render(*templates.default("out_of_office", language), values)
    return templates.compose(jurisdiction.pk, "out_of_office", language, values)
