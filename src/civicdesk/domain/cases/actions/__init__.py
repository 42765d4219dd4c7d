"""Every change to a case, one action per transition, one module per family (DESIGN.md "Actions and one unit of work").

Each action is keyword-only and takes the acting staff member (``None`` for
the system, or a resident on a public channel with ``actor_label``). It runs
in one transaction with the case locked, through a
:class:`~civicdesk.domain.cases.unit_of_work.UnitOfWork`: its journal entry
and outbox messages are written in that transaction. The desk, both APIs,
the portal and Open311 call the actions below; the sweep calls the steps
that take a unit of work (``escalation.send_follow_up_request``,
``breaches.record_breach``, ``breaches.raise_timeline_notice``,
``closing.end_clock``) with its own, one per batch of cases.

| family | actions |
|---|---|
| :mod:`.intake` | ``create_case`` |
| :mod:`.letters` | ``register_letter`` (a letter or fax with its scan, clocks from the day it arrived) |
| :mod:`.routing` | ``route_case``, ``assign_case``, ``acknowledge_case``, ``redirect_case`` |
| :mod:`.updates` | ``record_update``, ``change_timeline``, ``add_item``, ``complete_item``, ``pause_clocks``, ``resume_clocks`` |
| :mod:`.answers` | ``expect_late_answer`` (PK-MAIL-INTERIM) |
| :mod:`.replies` | ``reply_to_resident`` (a CSR returned the call or answered the resident), ``write_to_resident`` (an email when no answer is owed), ``tell_resident_about_timeline`` (PK-MISS) |
| :mod:`.escalation` | ``request_follow_up`` (the PK-ESC ladder: ``send_follow_up_request``) |
| :mod:`.breaches` | ``record_breach``, ``raise_timeline_notice`` (PK-MISS) |
| :mod:`.closing` | ``close_case``, ``reopen_case``, ``link_duplicate`` |
| :mod:`.recompute` | ``recompute_due_dates``, ``change_calendar`` |
| :mod:`.correspondence` | ``record_resident_message``, ``record_undelivered`` |
| :mod:`.absence` | ``record_absence``, ``end_absence`` (PK-OOO: staff away, their alternate) |
| :mod:`.review` | ``approve_message``, ``return_message`` (LW-CORR: review before release) |
| :mod:`.attachments` | ``attach_file``, ``show_to_resident`` (photos, scans and documents; which the resident sees) |
"""

from __future__ import annotations

from civicdesk.domain.cases.actions import (
    absence,
    answers,
    attachments,
    breaches,
    closing,
    escalation,
    intake,
    letters,
    recompute,
    replies,
    review,
    routing,
    updates,
)
from civicdesk.domain.cases.actions.absence import end_absence, record_absence
from civicdesk.domain.cases.actions.answers import expect_late_answer
from civicdesk.domain.cases.actions.attachments import attach_file, prepare_upload, show_to_resident
from civicdesk.domain.cases.actions.closing import (
    close_case,
    link_duplicate,
    ombudsman_information,
    reopen_case,
)
from civicdesk.domain.cases.actions.correspondence import record_resident_message, record_undelivered
from civicdesk.domain.cases.actions.escalation import request_follow_up
from civicdesk.domain.cases.actions.intake import (
    DETAIL_NAMES,
    ContactDetails,
    Idempotency,
    Intake,
    Receipt,
    create_case,
    missing_complaint_details,
)
from civicdesk.domain.cases.actions.letters import RegisteredLetter, Scan, register_letter
from civicdesk.domain.cases.actions.recompute import change_calendar, recompute_due_dates
from civicdesk.domain.cases.actions.replies import (
    REPLY_WAYS,
    reply_to_resident,
    tell_resident_about_timeline,
    write_to_resident,
)
from civicdesk.domain.cases.actions.review import approve_message, return_message
from civicdesk.domain.cases.actions.routing import acknowledge_case, assign_case, redirect_case, route_case
from civicdesk.domain.cases.actions.updates import (
    UPDATE_ACTIONS,
    add_item,
    change_timeline,
    complete_item,
    pause_clocks,
    record_update,
    resume_clocks,
)

__all__ = [
    "DETAIL_NAMES",
    "REPLY_WAYS",
    "UPDATE_ACTIONS",
    "ContactDetails",
    "Idempotency",
    "Intake",
    "Receipt",
    "RegisteredLetter",
    "Scan",
    "absence",
    "acknowledge_case",
    "add_item",
    "answers",
    "approve_message",
    "assign_case",
    "attach_file",
    "attachments",
    "breaches",
    "change_calendar",
    "change_timeline",
    "close_case",
    "closing",
    "complete_item",
    "create_case",
    "end_absence",
    "escalation",
    "expect_late_answer",
    "intake",
    "letters",
    "link_duplicate",
    "missing_complaint_details",
    "ombudsman_information",
    "pause_clocks",
    "prepare_upload",
    "recompute",
    "recompute_due_dates",
    "record_absence",
    "record_resident_message",
    "record_undelivered",
    "record_update",
    "redirect_case",
    "register_letter",
    "reopen_case",
    "replies",
    "reply_to_resident",
    "request_follow_up",
    "resume_clocks",
    "return_message",
    "review",
    "route_case",
    "routing",
    "show_to_resident",
    "tell_resident_about_timeline",
    "updates",
    "write_to_resident",
]
