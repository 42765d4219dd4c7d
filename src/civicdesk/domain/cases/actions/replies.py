"""Telling the resident: Customer Care's answer (PK-CALLBACK), and the week-before notice on a timeline (PK-MISS).

A voicemail or an emailed inquiry is often answered by the CSR who picks it
up. Recording how the resident was answered meets what the case owes them
(the call-back, the answer, the interim reply, the acknowledgement), so the
CSR can close it. It is not the department's update: a pending follow-up
request stays pending (PK-FOLLOW).
"""

from __future__ import annotations

from typing import Any

from civicdesk.domain.cases import clocks, journal, notifications
from civicdesk.domain.cases.access import require
from civicdesk.domain.cases.actions.common import require_open
from civicdesk.domain.cases.errors import InvalidInput, TransitionRefused
from civicdesk.domain.cases.models import Action, Case, Purpose
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.staff.models import User

# How the resident was answered; the journal keeps it, the desk and the API offer these.
REPLY_WAYS = ("call_returned", "phone", "email", "letter", "in_person")
ANSWERED = (Purpose.CALLBACK, Purpose.RESPOND, Purpose.INTERIM, Purpose.ACKNOWLEDGE)


def reply_to_resident(*, case: Case, actor: User | None, how: str, note: str) -> Case:
    """PK-CALLBACK, PK-EMAIL-ANSWER, PK-MAIL-ANSWER: the resident was answered ``how``; ``note`` says what they were told.

    An emailed answer is sent to the resident with the note as its text. Refused when nothing is owed to the
    resident on the case, so the journal never claims an answer that answered nothing.
    """
    if how not in REPLY_WAYS:
        raise InvalidInput(f"say how the resident was answered: one of {', '.join(REPLY_WAYS)}", field="how")
    if not note.strip():
        raise InvalidInput("say what the resident was told", field="note")
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.acknowledge_case", case)
        require_open(case, "record a reply")
        met = clocks.meet(work=work, case=case, purposes=ANSWERED, at=work.now)
        if not met:
            raise TransitionRefused(
                "nothing is owed to the resident on this case; record the contact as a note instead",
                field="how",
                code="no_change",
            )
        case.acknowledged_at = case.acknowledged_at or work.now
        work.touch(case, "acknowledged_at")
        _record_told(
            work=work,
            case=case,
            actor=actor,
            how=how,
            note=note,
            data={"met": [c.standard for c in met], "by": "customer_care"},
            kind="reply",
            rule="",
        )
        return case


def tell_resident_about_timeline(*, case: Case, actor: User | None, how: str, note: str) -> Case:
    """PK-MISS: staff told the resident, ``how``, that the anticipated completion holds; ``note`` says what.

    This meets the week-before notice; a timeline that slips is changed with its reason instead
    (``change_timeline``), which tells the resident and meets it too.
    """
    if how not in REPLY_WAYS:
        raise InvalidInput(f"say how the resident was told: one of {', '.join(REPLY_WAYS)}", field="how")
    if not note.strip():
        raise InvalidInput("say what the resident was told about the timeline", field="note", rule="PK-MISS")
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.change_timeline", case)
        require_open(case, "record the notice")
        met = clocks.meet(work=work, case=case, purposes=[Purpose.TIMELINE_NOTICE], at=work.now)
        if not met:
            raise TransitionRefused(
                "no week-before notice is owed on this case", field="how", rule="PK-MISS", code="no_change"
            )
        _record_told(
            work=work,
            case=case,
            actor=actor,
            how=how,
            note=note,
            data={"met": [c.standard for c in met], "about": "timeline"},
            kind="timeline_holds",
            rule="PK-MISS",
        )
        return case


def _record_told(
    *,
    work: UnitOfWork,
    case: Case,
    actor: User | None,
    how: str,
    note: str,
    data: dict[str, Any],
    kind: str,
    rule: str,
) -> None:
    """What the resident was told, shown to them and journaled; emailed to them when ``how`` is email."""
    case.public_note = note.strip()
    work.touch(case, "public_note")
    journal.append(
        work=work,
        case=case,
        action=Action.RESIDENT_ADVISED,
        actor=actor,
        note=note.strip(),
        public=True,
        data={"how": how, **data},
    )
    if how == "email":
        subject, body = notifications.compose(kind, case, actor=actor, work=work, note=note.strip())
        notifications.to_resident(
            work=work, case=case, kind=kind, subject=subject, body=body, dedupe=None, rule=rule, author=actor
        )


def write_to_resident(*, case: Case, actor: User | None, note: str) -> Case:
    """Staff write to the resident by email when no answer is owed (a resident wrote again, the case is closed…).

    The email goes to the resident's address with ``note`` as its text, and the journal keeps it as a note to
    the resident. Refused while an answer is owed on an open case: that is :func:`reply_to_resident`, which
    meets it, so an answer is never sent without the case knowing it was answered.
    """
    if not note.strip():
        raise InvalidInput("write what to tell the resident", field="note")
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.acknowledge_case", case)
        if case.contact is None or not case.contact.email:
            raise TransitionRefused(
                "the resident left no email address; answer them another way and record it", field="note"
            )
        if case.is_open and work.open_commitments(case, ANSWERED):
            raise TransitionRefused(
                "an answer is owed to the resident on this case; record it as the answer instead",
                field="note",
                code="answer_owed",
            )
        journal.append(
            work=work,
            case=case,
            action=Action.NOTE,
            actor=actor,
            note=note.strip(),
            public=True,
            data={"how": "email", "message": "to_resident"},
        )
        subject, body = notifications.compose("reply", case, actor=actor, work=work, note=note.strip())
        notifications.to_resident(
            work=work, case=case, kind="message", subject=subject, body=body, dedupe=None, author=actor
        )
        return case
