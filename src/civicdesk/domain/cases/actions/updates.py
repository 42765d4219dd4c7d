"""What the department records on a case: updates, its timeline, the items to be done, pauses (PK-UPDATE, PK-MISS).

Any update answers Customer Care's pending follow-up; the next follow-up is
then due on the agreed date, or after the profile's default period.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.translation import gettext as _

from civicdesk.domain.cases import clocks, journal, notifications, time_windows
from civicdesk.domain.cases.access import require
from civicdesk.domain.cases.actions.common import check_length, require_open
from civicdesk.domain.cases.errors import InvalidInput, TransitionRefused
from civicdesk.domain.cases.models import Action, Case, CaseItem, Purpose
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.staff.models import User

UPDATE_ACTIONS = {
    "inspected": Action.INSPECTED,
    "action_planned": Action.ACTION_PLANNED,
    "resident_advised": Action.RESIDENT_ADVISED,
    "note": Action.NOTE,
}


def record_update(
    *, case: Case, actor: User | None, update: str, note: str, timeline: datetime | None = None, public: bool = False
) -> Case:
    """PK-UPDATE: the department records inspection done, the action and its timeline, or that the resident was told.

    Any update answers the pending follow-up (PK-FOLLOW / PK-ESC); an
    inspection meets PK-HAZARD; an action plan with a timeline becomes the
    case's completion commitment with its PK-MISS notice a week before;
    advising the resident meets the reply standards.
    """
    if update not in UPDATE_ACTIONS:
        raise InvalidInput(f"unknown update {update!r}; expected one of {', '.join(UPDATE_ACTIONS)}", field="update")
    if not note.strip():
        raise InvalidInput("describe the update", field="note", rule="PK-UPDATE")
    if update == "action_planned" and timeline is None:
        raise InvalidInput(
            "an action plan needs its timeline (the anticipated completion)", field="timeline", rule="PK-UPDATE"
        )
    if timeline is not None:
        time_windows.check_planning(timeline, field="timeline", label=_("The timeline"))
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.record_update", case)
        require_open(case, "record an update")
        if timeline is not None and timeline <= work.now:
            raise InvalidInput("the timeline must be in the future", field="timeline")
        purposes = [Purpose.FOLLOW_UP]
        if update == "inspected":
            purposes.append(Purpose.INSPECT)
        if update == "resident_advised":
            purposes += [Purpose.RESPOND, Purpose.INTERIM, Purpose.CALLBACK, Purpose.ACKNOWLEDGE]
        met = clocks.meet(work=work, case=case, purposes=purposes, at=work.now)
        if update == "action_planned" and timeline is not None:
            if work.open_commitments(case, [Purpose.COMPLETE]):
                raise TransitionRefused(
                    "the case already has a timeline; change it with a reason (PK-MISS)",
                    field="timeline",
                    rule="PK-MISS",
                )
            _set_timeline(work, case, timeline)
        if public or update == "resident_advised":
            case.public_note = note.strip()
        work.touch(case, "public_note")
        journal.append(
            work=work,
            case=case,
            action=UPDATE_ACTIONS[update],
            actor=actor,
            note=note.strip(),
            public=public or update == "resident_advised",
            data={"met": [c.standard for c in met], "timeline": timeline.isoformat() if timeline else None},
        )
        schedule_next_follow_up(work=work, case=case, after=timeline)
        return case


def _set_timeline(work: UnitOfWork, case: Case, timeline: datetime) -> None:
    """The agreed completion (PK-UPDATE) and the PK-MISS notice a week before it."""
    clocks.fixed_clock(
        work=work,
        case=case,
        purpose=Purpose.COMPLETE,
        rule="PK-UPDATE",
        due_at=timeline.astimezone(UTC),
        reason="the department's agreed timeline",
    )
    notice = clocks.profile_for(case.jurisdiction).defaults.timeline_notice_rule
    if notice:
        clocks.start_clock(work=work, case=case, purpose=Purpose.TIMELINE_NOTICE, standard_id=notice, start=timeline)


def schedule_next_follow_up(*, work: UnitOfWork, case: Case, after: datetime | None) -> None:
    """PK-FOLLOW: Customer Care follows up again on the agreed date (``after``), else after the default period.

    Nothing is scheduled while a follow-up is already pending or before the case has a department;
    a new follow-up restarts the PK-ESC ladder at its first request.
    """
    if work.open_commitments(case, [Purpose.FOLLOW_UP]) or case.department_id is None:
        return
    profile = clocks.profile_for(case.jurisdiction)
    if after is not None:
        clocks.fixed_clock(
            work=work,
            case=case,
            purpose=Purpose.FOLLOW_UP,
            rule=profile.defaults.follow_up_rule or "PK-FOLLOW",
            due_at=after,
            reason="follow up on the agreed date",
            sequence=1,
        )
    elif profile.defaults.follow_up_rule:
        clocks.start_clock(
            work=work,
            case=case,
            purpose=Purpose.FOLLOW_UP,
            standard_id=profile.defaults.follow_up_rule,
            start=work.now,
            sequence=1,
        )
    case.follow_up_requests = 0
    work.touch(case, "follow_up_requests")


def change_timeline(*, case: Case, actor: User | None, timeline: datetime, reason: str) -> Case:
    """PK-MISS: a new timeline with the reason; the resident is told; the old date stays in the journal."""
    if not reason.strip():
        raise InvalidInput(
            "say why the timeline changes; the resident is told the reason", field="reason", rule="PK-MISS"
        )
    time_windows.check_planning(timeline, field="timeline", label=_("The new timeline"))
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.change_timeline", case)
        require_open(case, "change its timeline")
        if timeline <= work.now:
            raise InvalidInput("the new timeline must be in the future", field="timeline", rule="PK-MISS")
        old = clocks.cancel(work=work, case=case, purposes=[Purpose.COMPLETE])
        clocks.meet(work=work, case=case, purposes=[Purpose.TIMELINE_NOTICE], at=work.now)  # the resident is told now
        clocks.cancel(work=work, case=case, purposes=[Purpose.FOLLOW_UP])
        _set_timeline(work, case, timeline)
        case.public_note = reason.strip()
        work.touch(case, "public_note")
        journal.append(
            work=work,
            case=case,
            action=Action.TIMELINE_CHANGED,
            actor=actor,
            note=reason.strip(),
            public=True,
            data={"from": [c.due_at.isoformat() for c in old], "to": timeline.astimezone(UTC).isoformat()},
        )
        local = timeline.astimezone(clocks.profile_for(case.jurisdiction).calendar.tz)
        notifications.to_resident(
            work=work,
            case=case,
            kind="timeline_changed",
            subject=f"New timeline for {case.reference}",
            body=f"{reason.strip()}\n\nThe new anticipated completion date is {local:%A %d %B %Y}.",
            dedupe=None,
        )
        schedule_next_follow_up(work=work, case=case, after=timeline)
        return case


def add_item(*, case: Case, actor: User | None, description: str) -> CaseItem:
    """PK-CLOSE: one more thing to be done; the case cannot close while it is open."""
    if not description.strip():
        raise InvalidInput("describe the item to be done", field="description")
    check_length(CaseItem, "description", description.strip(), "description")
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.record_update", case)
        require_open(case, "add an item")
        item = CaseItem.objects.create(
            jurisdiction_id=case.jurisdiction_id, case=case, description=description.strip(), created_at=work.now
        )
        work.touch(case)
        journal.append(
            work=work, case=case, action=Action.ITEM_ADDED, actor=actor, note=item.description, data={"item": item.pk}
        )
        return item


def complete_item(*, item: CaseItem, actor: User | None, note: str = "") -> CaseItem:
    """PK-CLOSE: an item is done, by whom and when."""
    with UnitOfWork.atomic() as work:
        case = work.lock_case(item.case)
        require(actor, "cases.record_update", case)
        require_open(case, "complete an item")
        item = CaseItem.objects.select_for_update().get(pk=item.pk)
        if item.done_at is not None:
            raise TransitionRefused("this item is already done", code="no_change")
        item.done_at, item.done_by = work.now, actor
        item.save(update_fields=["done_at", "done_by"])
        work.touch(case)
        journal.append(
            work=work,
            case=case,
            action=Action.ITEM_DONE,
            actor=actor,
            note=note or item.description,
            data={"item": item.pk},
        )
        return item


def pause_clocks(*, case: Case, actor: User | None, reason: str) -> Case:
    """Waiting on the resident: paused time does not count against the standards."""
    if not reason.strip():
        raise InvalidInput("say what the city is waiting for", field="reason")
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.record_update", case)
        require_open(case, "pause its clocks")
        paused = clocks.pause(work=work, case=case, at=work.now)
        if not paused:
            raise TransitionRefused("no running clock to pause", code="no_change")
        work.touch(case)
        journal.append(
            work=work,
            case=case,
            action=Action.PAUSED,
            actor=actor,
            note=reason.strip(),
            data={"standards": [c.standard for c in paused]},
        )
        return case


def resume_clocks(*, case: Case, actor: User | None) -> Case:
    """The resident answered: paused clocks run again, their due dates moved by the paused business time."""
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.record_update", case)
        require_open(case, "resume its clocks")
        resumed = clocks.resume(work=work, case=case, at=work.now)
        if not resumed:
            raise TransitionRefused("no paused clock to resume", code="no_change")
        work.touch(case)
        journal.append(
            work=work,
            case=case,
            action=Action.RESUMED,
            actor=actor,
            data={c.standard: c.due_at.isoformat() for c in resumed},
        )
        return case
