"""Ending a case and opening it again: close, reopen, duplicates (PK-CLOSE, PK-COUNCIL, PK-OMB).

A case closes only when every item and every commitment is done, the agreed
work recorded as done (closing does not complete it); every path that ends a
case (closing, redirecting, linking a duplicate) checks PK-COUNCIL; a closed
complaint always carries the Ombudsman information; cases with Mayor,
Council or CAO involvement are closed and reopened only by Customer Care.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from civicdesk.domain.cases import clocks, journal, notifications
from civicdesk.domain.cases.access import require
from civicdesk.domain.cases.actions.common import require_open
from civicdesk.domain.cases.actions.updates import schedule_next_follow_up
from civicdesk.domain.cases.errors import InvalidInput, TransitionRefused
from civicdesk.domain.cases.models import Action, Case, Commitment, CommitmentState, Kind, Purpose, Resolution, Status
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.city.models import Jurisdiction, in_language
from civicdesk.domain.outbox import templates
from civicdesk.domain.staff.models import User

# Commitments that end with the case rather than keeping it open: Customer Care's reminders. The agreed
# completion is not among them: work only scheduled is not done (PK-CLOSE), staff record it done first.
CLOSING_ENDS = (Purpose.FOLLOW_UP, Purpose.TIMELINE_NOTICE, Purpose.PAUSE_LIMIT)


def close_case(*, case: Case, actor: User | None, note: str, resolution: str = Resolution.RESOLVED) -> Case:
    """PK-CLOSE: close a case whose every item and commitment is done; refuse with the list of what is open."""
    if resolution not in (Resolution.RESOLVED, Resolution.NOT_INVESTIGATED):
        raise InvalidInput(
            "close with resolution 'resolved' or 'not_investigated' (redirect and duplicates have their own actions)",
            field="resolution",
        )
    if not note.strip():
        raise InvalidInput("say how the case was resolved", field="note")
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.close_case", case, rule="PK-CLOSE")
        require_open(case, "close it again")
        require_closable(work=work, case=case, actor=actor, commitments=True)
        clocks.cancel(work=work, case=case)  # follow-ups and notices end with the case
        record_closure(work=work, case=case, actor=actor, actor_label=None, resolution=resolution, note=note.strip())
        return case


def require_closable(*, work: UnitOfWork, case: Case, actor: User | None, commitments: bool) -> None:
    """PK-COUNCIL, PK-CLOSE: refuse to end a case, by any path, that its actor may not close or that is not done.

    Every item must be done; with ``commitments``, everything owed too (the agreed completion included) except
    Customer Care's own reminders. Redirecting and linking a duplicate check the items only: what the city owed
    there ends with the matter going elsewhere, or is owed on the parent case.
    """
    _require_council_rights(case, actor, "closed")
    open_items = list(case.items.filter(done_at__isnull=True).order_by("pk"))
    owed = [c for c in clocks.still_owed(work=work, case=case) if c.purpose not in CLOSING_ENDS] if commitments else []
    if open_items or owed:
        raise TransitionRefused(
            "the case has open items or commitments; it cannot be closed until every one is done",
            rule="PK-CLOSE",
            code="open_items",
            details={
                "items": [{"id": i.pk, "description": i.description} for i in open_items],
                "commitments": [
                    {"standard": c.standard, "purpose": c.purpose, "due_at": c.due_at.isoformat(), "state": c.state}
                    for c in owed
                ],
            },
        )


def record_closure(
    *, work: UnitOfWork, case: Case, actor: User | None, actor_label: str | None, resolution: str, note: str
) -> None:
    """The case is closed with ``resolution``, journaled publicly; a complainant is told, with the Ombudsman (PK-OMB).

    The step every way of closing shares: closing, redirecting, linking a duplicate, and intake of what is not
    investigated or owes no response.
    """
    case.status = Status.CLOSED
    case.resolution = resolution
    case.closed_at = work.now
    case.public_note = note
    work.touch(case, "status", "resolution", "closed_at", "public_note")
    data: dict[str, Any] = {"resolution": resolution}
    if case.kind == Kind.COMPLAINT:
        data["ombudsman"] = ombudsman_information(case.jurisdiction, case.language)  # PK-OMB
    journal.append(
        work=work,
        case=case,
        action=Action.CLOSED,
        actor=actor,
        actor_label=actor_label,
        note=note,
        public=True,
        data=data,
    )
    if case.kind == Kind.COMPLAINT and case.contact_id and resolution != Resolution.NOT_INVESTIGATED:
        subject, body = notifications.compose(
            "closed", case, actor=actor, work=work, note=note, ombudsman=data["ombudsman"]
        )
        notifications.to_resident(
            work=work,
            case=case,
            kind="closed",
            subject=subject,
            body=body,
            dedupe=f"closed:{case.pk}:{work.now.isoformat()}",
            author=actor,
        )


def _require_council_rights(case: Case, actor: User | None, done: str) -> None:
    """PK-COUNCIL: cases with Mayor, Council or CAO involvement are closed and reopened only by Customer Care."""
    if case.council_involved and actor is not None and not actor.has_perm("cases.close_council_case"):
        raise TransitionRefused(
            f"cases with Mayor, Council or CAO involvement are {done} only by Customer Care",
            rule="PK-COUNCIL",
            code="council_case",
        )


def ombudsman_information(jurisdiction: Jurisdiction, language: str | None = None) -> str:
    """PK-OMB: what a complainant who is not satisfied can do next, in the city's own words if it has them.

    In ``language`` (the active language if not given): the city's translation of its text when it gave one,
    else its text as written; without a text of its own, the product's, translated.
    """
    language = templates.supported_language(language or translation.get_language())
    if jurisdiction.ombudsman_information:
        return in_language(jurisdiction.ombudsman_information, jurisdiction.ombudsman_translations, language)
    with translation.override(language):
        return gettext(
            "If you are not satisfied with how your complaint was handled, you may contact the Ombudsman for your "
            "municipality, or ask Customer Care about your other options."
        )


def reopen_case(*, case: Case, actor: User | None, reason: str) -> Case:
    """Open a closed case again, saying why; Customer Care follows it up again (PK-FOLLOW, PK-COUNCIL)."""
    if not reason.strip():
        raise InvalidInput("say why the case is reopened", field="reason")
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.close_case", case)
        if case.status != Status.CLOSED:
            raise TransitionRefused("the case is already open", code="no_change")
        _require_council_rights(case, actor, "reopened")
        case.status, case.resolution, case.closed_at = Status.OPEN, "", None
        case.parent = None
        work.touch(case, "status", "resolution", "closed_at", "parent")
        journal.append(work=work, case=case, action=Action.REOPENED, actor=actor, note=reason.strip(), public=True)
        schedule_next_follow_up(work=work, case=case, after=None)
        return case


def link_duplicate(*, case: Case, actor: User | None, parent: Case) -> Case:
    """Close ``case`` as a duplicate of ``parent``; the resident follows the parent case."""
    if parent.pk == case.pk:
        raise InvalidInput("a case cannot duplicate itself", field="parent")
    if parent.jurisdiction_id != case.jurisdiction_id:
        raise InvalidInput("the parent case belongs to another city", field="parent")
    with UnitOfWork.atomic() as work:
        locked = {c.pk: c for c in work.lock([case.pk, parent.pk])}  # in pk order: two links never deadlock
        case, parent = locked[case.pk], locked[parent.pk]
        require(actor, "cases.close_case", case)
        require(actor, "cases.view_case", parent)
        require_open(case, "link it")
        require_closable(work=work, case=case, actor=actor, commitments=False)
        if parent.parent_id is not None:
            raise InvalidInput(
                f"{parent.reference} is itself a duplicate; link to {parent.parent.reference if parent.parent else 'its parent'}",
                field="parent",
            )
        case.parent = parent
        work.touch(case, "parent")
        clocks.cancel(work=work, case=case)
        journal.append(
            work=work, case=parent, action=Action.LINKED_DUPLICATE, actor=actor, data={"duplicate": case.reference}
        )
        record_closure(
            work=work,
            case=case,
            actor=actor,
            actor_label=None,
            resolution=Resolution.DUPLICATE,
            note=f"Duplicate of {parent.reference}.",
        )
        return case


def end_clock(*, work: UnitOfWork, case: Case, commitment: Commitment) -> None:
    """A clock the sweep finds due on a case already closed simply ends: nothing is owed on a closed case."""
    if case.is_open:
        raise TransitionRefused(f"case {case.reference} is open; its clock {commitment.standard} is still owed")
    commitment.state = CommitmentState.CANCELLED
    work.change_commitment(commitment, "state")
