"""What the department records on a case: updates, its timeline, the items to be done, pauses (PK-UPDATE, PK-MISS).

An update the profile's ladder names in ``answered_by`` (Pickering: the
inspection, the action and its timeline, the resident advised, a new
timeline) answers Customer Care's pending follow-up; the next follow-up is
then due on the agreed date, or after the profile's default period, and a new
round of the PK-ESC ladder begins.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import translation
from django.utils.translation import gettext as _

from civicdesk.domain.cases import clocks, journal, notifications, time_windows
from civicdesk.domain.cases.access import require
from civicdesk.domain.cases.actions.common import check_length, require_open
from civicdesk.domain.cases.errors import InvalidInput, TransitionRefused
from civicdesk.domain.cases.models import Action, Case, CaseItem, Purpose
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.staff.models import User
from civicdesk.engines import standards

UPDATE_ACTIONS = {
    "inspected": Action.INSPECTED,
    "action_planned": Action.ACTION_PLANNED,
    "resident_advised": Action.RESIDENT_ADVISED,
    "work_done": Action.WORK_DONE,
    "note": Action.NOTE,
}


def record_update(
    *, case: Case, actor: User | None, update: str, note: str, timeline: datetime | None = None, public: bool = False
) -> Case:
    """PK-UPDATE: the department records inspection done, the action and its timeline, the work done, or that the
    resident was told.

    An update the ladder's ``answered_by`` names answers the pending follow-up (PK-FOLLOW / PK-ESC); an
    inspection meets PK-HAZARD; an action plan with a timeline becomes the
    case's completion commitment with its PK-MISS notice a week before;
    advising the resident meets the reply standards; only the work done meets the agreed timeline (PK-CLOSE: a
    tree on the pruning list is not pruned), and the week-before notice is no longer owed once it is.
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
        ladder = clocks.profile_for(case.jurisdiction).escalation
        answers = ladder is None or ladder.answers(update)  # the profile says which updates answer Customer Care
        purposes = [Purpose.FOLLOW_UP] if answers else []
        if update == "inspected":
            purposes.append(Purpose.INSPECT)
        if update == "resident_advised":
            purposes += [Purpose.RESPOND, Purpose.INTERIM, Purpose.CALLBACK, Purpose.ACKNOWLEDGE]
        if update == "work_done":
            if not work.open_commitments(case, [Purpose.COMPLETE]):
                raise TransitionRefused(
                    "the case has no agreed timeline to complete; record the action and its timeline first",
                    field="update",
                    rule="PK-CLOSE",
                    code="no_change",
                )
            purposes.append(Purpose.COMPLETE)
            clocks.cancel(work=work, case=case, purposes=[Purpose.TIMELINE_NOTICE])  # nothing left to slip
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
            data={
                "met": [c.standard for c in met],
                "timeline": timeline.isoformat() if timeline else None,
                "answers_follow_up": answers,
            },
        )
        if answers:
            schedule_next_follow_up(work=work, case=case, after=timeline)
        return case


def _set_timeline(work: UnitOfWork, case: Case, timeline: datetime) -> None:
    """The agreed completion (PK-UPDATE) and the PK-MISS notice a week before it.

    A timeline that leaves no week to warn in (its notice would fall due before the next business day's close)
    owes no notice: the resident is being told the timeline now.
    """
    clocks.fixed_clock(
        work=work,
        case=case,
        purpose=Purpose.COMPLETE,
        rule="PK-UPDATE",
        due_at=timeline.astimezone(UTC),
        reason="the department's agreed timeline",
    )
    profile = clocks.profile_for(case.jurisdiction)
    notice = profile.defaults.timeline_notice_rule
    if notice and standards.due(profile, notice, timeline).due_at > profile.calendar.add_business_days(work.now, 1):
        clocks.start_clock(work=work, case=case, purpose=Purpose.TIMELINE_NOTICE, standard_id=notice, start=timeline)


def schedule_next_follow_up(*, work: UnitOfWork, case: Case, after: datetime | None) -> None:
    """PK-FOLLOW: Customer Care follows up again on the agreed date (``after``), else after the default period.

    Nothing is scheduled while a follow-up is already pending or before the case has a department. Otherwise a
    new round of the PK-ESC ladder begins: its requests count from 1 again, or on from the step reached, as the
    profile's ``new_round`` says; request numbers run on either way.
    """
    if work.open_commitments(case, [Purpose.FOLLOW_UP]) or case.department_id is None:
        return
    profile = clocks.profile_for(case.jurisdiction)
    if profile.defaults.follow_up_rule is None:
        # The city's documents set no follow-up date (Miami Beach, Santa Ana): Customer Care follows up by hand.
        return
    carry_on = profile.escalation is not None and profile.escalation.new_round == "continue"
    step = case.follow_up_requests if carry_on else 0
    if after is not None:
        clocks.fixed_clock(
            work=work,
            case=case,
            purpose=Purpose.FOLLOW_UP,
            rule=profile.defaults.follow_up_rule,
            due_at=after,
            reason="follow up on the agreed date",
            sequence=step + 1,
        )
    else:
        clocks.start_clock(
            work=work,
            case=case,
            purpose=Purpose.FOLLOW_UP,
            standard_id=profile.defaults.follow_up_rule,
            start=work.now,
            sequence=step + 1,
        )
    if case.follow_up_requests:  # a round that sent no request is not counted as one
        case.follow_up_round += 1
    case.follow_up_requests = step
    work.touch(case, "follow_up_requests", "follow_up_round")


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
        ladder = clocks.profile_for(case.jurisdiction).escalation
        answers = ladder is None or ladder.answers("timeline_changed")
        if answers:
            clocks.meet(work=work, case=case, purposes=[Purpose.FOLLOW_UP], at=work.now)
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
        with translation.override(notifications.message_language(case, "timeline_changed")):
            new_date = notifications.local_date(case, timeline)
        subject, body = notifications.compose(
            "timeline_changed", case, actor=actor, work=work, note=reason.strip(), timeline=new_date
        )
        notifications.to_resident(
            work=work, case=case, kind="timeline_changed", subject=subject, body=body, dedupe=None, author=actor
        )
        if answers:
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


def pause_clocks(*, case: Case, actor: User | None, waiting_on: str, reason: str) -> Case:
    """The city waits on someone else (one of the profile's reasons): paused time does not count.

    Who paused, since when and why is kept on the case for the queues. The longest pause the profile allows
    runs as a clock of its own: when it passes, the sweep tells Customer Care and the case shows overdue
    until its clocks run again, so a pause never silences the PK-ESC ladder for good.
    """
    policy = clocks.profile_for(case.jurisdiction).pauses
    if waiting_on not in policy.reasons:
        raise InvalidInput(f"choose what the case waits on: one of {', '.join(policy.reasons)}", field="waiting_on")
    if not reason.strip():
        raise InvalidInput("say what the city is waiting for", field="reason")
    check_length(CaseItem, "description", reason.strip(), "reason")
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.record_update", case)
        require_open(case, "pause its clocks")
        paused = clocks.pause(work=work, case=case, at=work.now)
        if not paused:
            raise TransitionRefused("no running clock to pause", code="no_change")
        limit = clocks.pause_limit(work=work, case=case, at=work.now, policy=policy)
        case.paused_since, case.paused_by, case.pause_reason = work.now, actor, waiting_on
        work.touch(case, "paused_since", "paused_by", "pause_reason")
        journal.append(
            work=work,
            case=case,
            action=Action.PAUSED,
            actor=actor,
            note=reason.strip(),
            data={
                "waiting_on": waiting_on,
                "standards": [c.standard for c in paused],
                "longest_until": limit.due_at.isoformat(),
            },
        )
        return case


def resume_clocks(*, case: Case, actor: User | None) -> Case:
    """The wait is over: paused clocks run again (see :func:`clocks.resume` for which dates move)."""
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.record_update", case)
        require_open(case, "resume its clocks")
        resumed = clocks.resume(work=work, case=case, at=work.now)
        if not resumed:
            raise TransitionRefused("no paused clock to resume", code="no_change")
        clocks.meet(work=work, case=case, purposes=[Purpose.PAUSE_LIMIT], at=work.now)  # late if paused too long
        paused_since = case.paused_since
        case.paused_since, case.paused_by, case.pause_reason = None, None, ""
        work.touch(case, "paused_since", "paused_by", "pause_reason")
        journal.append(
            work=work,
            case=case,
            action=Action.RESUMED,
            actor=actor,
            data={
                **{c.standard: c.due_at.isoformat() for c in resumed},
                "paused_since": paused_since.isoformat() if paused_since else None,
            },
        )
        return case
