"""A conclusive answer expected late: the interim reply it owes (PK-MAIL-INTERIM).

Pickering answers a letter or fax within 15 business days (PK-MAIL-ANSWER)
and sends an interim acknowledgement within 5 business days of receipt only
"if a conclusive response is not expected within 15 business days". Whether
it is expected is the staff member's judgement, so it is recorded here with
the date they expect to answer by; the standards of the profile whose
condition is ``long_answer_expected`` then start, counted from receipt.
"""

from __future__ import annotations

from datetime import datetime

from civicdesk.domain.cases import clocks, journal, standing
from civicdesk.domain.cases.access import require
from civicdesk.domain.cases.actions.common import require_open
from civicdesk.domain.cases.errors import InvalidInput, TransitionRefused
from civicdesk.domain.cases.models import Action, Case, Purpose
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.staff.models import User


def expect_late_answer(*, case: Case, actor: User | None, expected_by: datetime, reason: str) -> Case:
    """PK-MAIL-INTERIM: record that the answer is expected after its standard's target, and owe the interim reply.

    Refused when the city owes no such reply for this kind of contact, when
    ``expected_by`` is not after the answer's due date (then no interim reply
    is owed), or when the case already owes it.
    """
    if expected_by.tzinfo is None:
        raise InvalidInput("the expected answer date needs a time zone offset", field="expected_by")
    if not reason.strip():
        raise InvalidInput("say why the answer will take longer", field="reason", rule="PK-MAIL-INTERIM")
    with UnitOfWork.atomic() as work:
        case = work.lock_case(case)
        require(actor, "cases.acknowledge_case", case)
        require_open(case, "record when the answer is expected")
        if expected_by <= work.now:
            raise InvalidInput("the expected answer date must be in the future", field="expected_by")
        profile = clocks.profile_for(case.jurisdiction)
        owed = standing.owed_if_answer_late(profile, case=case)
        if not owed:
            raise TransitionRefused(
                f"{profile.title} owes no interim reply on a {case.get_kind_display()} by {case.get_channel_display()}",
                field="expected_by",
                rule="PK-MAIL-INTERIM",
            )
        answers = work.open_commitments(case, [Purpose.RESPOND])
        if answers and expected_by <= min(c.due_at for c in answers):
            first = min(answers, key=lambda c: c.due_at)
            raise TransitionRefused(
                f"the answer is due by {first.due_at.astimezone(profile.calendar.tz):%Y-%m-%d %H:%M} under"
                f" {first.standard}; an answer expected by then owes no interim reply",
                field="expected_by",
                rule="PK-MAIL-INTERIM",
            )
        started = {c.standard for c in case.commitments.all()}
        if all(standard.id in started for _purpose, standard in owed):
            raise TransitionRefused(
                "the interim reply is already owed on this case", field="expected_by", rule="PK-MAIL-INTERIM"
            )
        for purpose, standard in owed:
            if standard.id not in started:
                clocks.start_clock(
                    work=work, case=case, purpose=purpose, standard_id=standard.id, start=case.received_at
                )
        work.touch(case)
        journal.append(
            work=work,
            case=case,
            action=Action.NOTE,
            actor=actor,
            note=f"Answer expected by {expected_by.astimezone(profile.calendar.tz):%Y-%m-%d}: {reason.strip()}",
            data={
                "answer_expected_by": expected_by.isoformat(),
                "owed": [standard.id for _purpose, standard in owed],
            },
        )
        return case
