"""Getting a case to the people who answer it (PK-ROUTE, PK-ACK-1BD, PK-SCOPE).

Route it to the responsible department (first routing starts Customer Care's
follow-up clock), assign it to someone there, acknowledge it to the resident
with the action and timeline they can expect, or redirect a matter the city
does not handle to whoever does.
"""

from __future__ import annotations

from civicdesk.domain.cases import clocks, journal, notifications
from civicdesk.domain.cases.access import require
from civicdesk.domain.cases.actions.closing import record_closure, require_closable
from civicdesk.domain.cases.actions.common import require_open
from civicdesk.domain.cases.errors import InvalidInput, TransitionRefused
from civicdesk.domain.cases.models import Action, Case, Purpose, Resolution
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.city.models import Department
from civicdesk.domain.staff import absences
from civicdesk.domain.staff.models import Absence, User


def route_case(
    *, case: Case, actor: User | None, department: Department, reason: str = "", reason_public: bool = False
) -> Case:
    """PK-ROUTE: send the case to the responsible department; a re-route needs a reason.

    The reason is staff's own words, often about the resident: it is public
    (Open311, the resident's updates) only when ``reason_public`` says so.
    """
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.route_case", case)
        require_open(case, "route it")
        if department.jurisdiction_id != case.jurisdiction_id or not department.active:
            raise InvalidInput(
                f"department {department.code!r} is not an active department of this city", field="department"
            )
        if case.department_id == department.pk:
            raise TransitionRefused(f"the case is already with {department.name}", field="department", code="no_change")
        if case.department_id is not None and not reason.strip():
            raise InvalidInput("say why the case is re-routed", field="reason", rule="PK-ROUTE")
        send_to_department(
            work=work,
            case=case,
            department=department,
            actor=actor,
            actor_label=None,
            reason=reason.strip(),
            reason_public=reason_public,
        )
        return case


def send_to_department(
    *,
    work: UnitOfWork,
    case: Case,
    department: Department,
    actor: User | None,
    actor_label: str | None,
    reason: str,
    reason_public: bool = False,
) -> None:
    """PK-ROUTE, PK-FOLLOW: the case is with ``department`` now; the first routing starts the follow-up clock.

    An assignee of another department is cleared. Shared by routing and intake (a service's own department).
    """
    previous = case.department
    first_routing = case.routed_at is None
    case.department = department
    case.routed_at = work.now
    if case.assignee is not None and case.assignee.department_id != department.pk:
        case.assignee = None
    work.touch(case, "department", "routed_at", "assignee")
    journal.append(
        work=work,
        case=case,
        action=Action.ROUTED,
        actor=actor,
        actor_label=actor_label,
        note=reason,
        public=not reason or reason_public,
        data={"department": department.code, "from": previous.code if previous else None},
    )
    follow = clocks.profile_for(case.jurisdiction).defaults.follow_up_rule
    if first_routing and follow:
        clocks.start_clock(
            work=work, case=case, purpose=Purpose.FOLLOW_UP, standard_id=follow, start=work.now, sequence=1
        )


def assign_case(*, case: Case, actor: User | None, assignee: User | None) -> Case:
    """Give the case to a person of its department (or take it back with ``None``)."""
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.assign_case", case)
        require_open(case, "assign it")
        if assignee is not None:
            if assignee.jurisdiction_id != case.jurisdiction_id or not assignee.is_active:
                raise InvalidInput("the assignee is not active staff of this city", field="assignee")
            if case.department_id and assignee.department_id != case.department_id:
                raise InvalidInput(
                    "the assignee works in another department; re-route the case first", field="assignee"
                )
        data: dict[str, str | None] = {"assignee": assignee.get_username() if assignee else None}
        note = ""
        if assignee is not None:
            stand, absence = absences.stand_in(assignee, work.away())
            if absence is not None:
                assignee = _alternate_for(case, stand, absence)
                note = (
                    f"{absence.user.display_name} is away and back on {absence.returns.isoformat()}: "
                    f"assigned to their alternate, {assignee.display_name} (PK-OOO)."
                )
                data = {
                    "assignee": assignee.get_username(),
                    "instead_of": absence.user.get_username(),
                    "back_on": absence.returns.isoformat(),
                }
        case.assignee = assignee
        work.touch(case, "assignee")
        journal.append(work=work, case=case, action=Action.ASSIGNED, actor=actor, note=note, data=data)
        return case


def _alternate_for(case: Case, alternate: User, absence: Absence) -> User:
    """PK-OOO: the absent assignee's alternate takes the case, if they may work it."""
    works_here = alternate.jurisdiction_id == case.jurisdiction_id and alternate.is_active
    if works_here and (not case.department_id or alternate.department_id == case.department_id):
        return alternate
    raise TransitionRefused(
        f"{absence.user.display_name} is away and back on {absence.returns.isoformat()}, and their alternate "
        f"{alternate.display_name} does not work in this case's department: assign the case to someone else",
        field="assignee",
        rule="PK-OOO",
    )


def acknowledge_case(*, case: Case, actor: User | None, message: str) -> Case:
    """PK-ACK-1BD: the acknowledgement states the anticipated action and timeline; the resident gets it by email."""
    if not message.strip():
        raise InvalidInput(
            "the acknowledgement states the anticipated action and timeline", field="message", rule="PK-ACK-1BD"
        )
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.acknowledge_case", case)
        require_open(case, "acknowledge it")
        met = clocks.meet(work=work, case=case, purposes=[Purpose.ACKNOWLEDGE], at=work.now)
        case.acknowledged_at = case.acknowledged_at or work.now
        case.public_note = message.strip()
        work.touch(case, "acknowledged_at", "public_note")
        journal.append(
            work=work,
            case=case,
            action=Action.ACKNOWLEDGED,
            actor=actor,
            note=message.strip(),
            public=True,
            data={"met": [c.standard for c in met]},
        )
        subject, body = notifications.compose("acknowledgement", case, actor=actor, work=work, note=message.strip())
        notifications.to_resident(
            work=work, case=case, kind="acknowledgement", subject=subject, body=body, dedupe=None, author=actor
        )
        return case


def redirect_case(*, case: Case, actor: User | None, reason: str, redirect_to: str) -> Case:
    """PK-SCOPE / PB-RESOURCE: close an out-of-scope matter as redirected, saying why and where to go."""
    if not reason.strip():
        raise InvalidInput("say why the matter is out of scope", field="reason", rule="PK-SCOPE")
    if not redirect_to.strip():
        raise InvalidInput("say where the resident should go instead", field="redirect_to", rule="PB-RESOURCE")
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.close_case", case)
        require_open(case, "redirect it")
        require_closable(work=work, case=case, actor=actor, commitments=False)
        case.redirect_to = redirect_to.strip()
        work.touch(case, "redirect_to")
        clocks.cancel(work=work, case=case)
        record_closure(
            work=work,
            case=case,
            actor=actor,
            actor_label=None,
            resolution=Resolution.REDIRECTED,
            note=f"Out of scope: {reason.strip()} Please contact: {redirect_to.strip()}",
        )
        return case
