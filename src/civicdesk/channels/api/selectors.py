"""Reads for the staff API: access-checked case lookups, the filtered queue, and the JSON shape of a case.

A page of cases costs the same few queries whatever its length: the related
rows a case shows are joined or read once for the page, never loaded one case
at a time. Clock states and the date told to the resident are the read model's
(:mod:`civicdesk.domain.cases.standing`), in the case's own city's business time.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from datetime import datetime
from functools import reduce
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from civicdesk.channels.api.errors import NotFound
from civicdesk.channels.api.schemas import CaseFilters, decimal_or_none
from civicdesk.domain.cases import access, clocks, search, standing, time_windows
from civicdesk.domain.cases.errors import InvalidInput, NotAllowed
from civicdesk.domain.cases.models import (
    Case,
    CaseAttachment,
    CaseItem,
    Commitment,
    FollowUpRequest,
    JournalEntry,
)
from civicdesk.domain.cases.references import normalise
from civicdesk.domain.cases.standing import Horizons
from civicdesk.domain.city.models import Department, Jurisdiction
from civicdesk.domain.staff.models import User
from civicdesk.platform import timesource


def with_output_relations(cases: QuerySet[Case], *, contact: bool) -> QuerySet[Case]:
    """The rows :func:`case_data` reads beside the case, joined; commitments and items come from :func:`cases_data`."""
    related = ["jurisdiction", "service", "department", "assignee", "parent", "paused_by"]
    if contact:
        related.append("contact")
    return cases.select_related(*related)


def cases_data(cases: list[Case], *, show_contact: bool) -> list[dict[str, Any]]:
    """Each case as the API shows it, with its commitments and items read in one query each for all of them.

    Grouped here rather than with ``prefetch_related``, whose per-case
    querysets cost more CPU than the page's SQL.
    """
    ids = [case.pk for case in cases]
    commitments: dict[int, list[Commitment]] = defaultdict(list)
    items: dict[int, list[CaseItem]] = defaultdict(list)
    if ids:
        for commitment in Commitment.objects.filter(case_id__in=ids).order_by("due_at", "pk"):
            commitments[commitment.case_id].append(commitment)
        for item in CaseItem.objects.filter(case_id__in=ids).select_related("done_by").order_by("pk"):
            items[item.case_id].append(item)
    now = timesource.now()
    seen: dict[int, Horizons] = {}
    return [
        case_data(
            case,
            show_contact=show_contact,
            commitments=commitments[case.pk],
            items=items[case.pk],
            h=seen.setdefault(case.jurisdiction_id, horizons_of(case.jurisdiction, now)),
        )
        for case in cases
    ]


def horizons_of(jurisdiction: Jurisdiction, now: datetime) -> Horizons:
    return standing.horizons(clocks.profile_for(jurisdiction), now=now)


def require_case_reader(user: User) -> None:
    """Deny by default: a role that reads no cases is refused outright (403), before any lookup."""
    if not user.is_active or not user.has_perm("cases.view_case"):
        raise NotAllowed("your role does not allow reading cases")


def visible_case(user: User, reference: str, *, for_output: bool = False) -> Case:
    """The case ``user`` may see, by reference (spaces and dashes allowed); 404 alike if absent or out of scope."""
    require_case_reader(user)
    stored = normalise(reference)
    cases = access.cases_visible_to(user)
    if for_output:
        cases = with_output_relations(cases, contact=access.may_see_contact(user))
    try:
        if stored is None:
            raise Case.DoesNotExist
        return cases.get(reference=stored)
    except Case.DoesNotExist:
        raise NotFound(f"no case {reference!r} that you can see") from None


def case_after_action(user: User, pk: int) -> Case:
    """The case as it stands after ``user``'s own successful action.

    Read by key, not through the visibility scope: an action may move the
    case out of the actor's scope (routing it to another department, or a
    field report that goes straight to its department), and the actor is
    still owed the result of what they did.
    """
    return with_output_relations(Case.objects.filter(pk=pk), contact=access.may_see_contact(user)).get()


def case_queue(user: User, filters: CaseFilters, *, now: datetime) -> QuerySet[Case]:
    """The cases ``user`` may see that match ``filters``, newest receipt first."""
    require_case_reader(user)
    cases = access.cases_visible_to(user)
    if filters.department is not None:
        departments = Department.objects.filter(code=filters.department)
        if user.jurisdiction_id is not None:
            departments = departments.filter(jurisdiction_id=user.jurisdiction_id)
        if not departments.exists():
            raise InvalidInput(f"no department with code {filters.department!r}", field="department")
        cases = cases.filter(department__code=filters.department)
    if filters.status is not None:
        cases = cases.filter(status=filters.status)
    if filters.kind is not None:
        cases = cases.filter(kind=filters.kind)
    if filters.overdue is not None:
        cases = _having(cases, in_state(user, standing.BREACHED, now), filters.overdue)
    if filters.at_risk is not None:
        cases = _having(cases, in_state(user, standing.AT_RISK, now), filters.at_risk)
    if filters.due_before is not None:
        due_before = time_windows.check_planning(filters.due_before, field="due_before", label=_("The due-before date"))
        # A running clock due before then, or a missed one still owed since before then.
        cases = cases.filter(Q(next_due_at__lt=due_before) | Q(owed_since__lt=due_before))
    cases = with_output_relations(cases, contact=access.may_see_contact(user))
    if filters.q is not None and filters.q.strip():
        return search.matching(cases, filters.q, contacts=access.may_see_contact(user))
    return cases.order_by("-received_at", "-pk")


def _having(cases: QuerySet[Case], condition: Q, wanted: bool) -> QuerySet[Case]:
    return cases.filter(condition if wanted else ~condition)


def in_state(user: User, state: str, now: datetime) -> Q:
    """The cases in clock ``state`` (:func:`standing.state_condition`), each in its own city's business time."""
    if user.jurisdiction is not None:
        return standing.state_condition(state, horizons_of(user.jurisdiction, now))
    cities = Jurisdiction.objects.order_by("pk")
    return reduce(
        operator.or_,
        (Q(jurisdiction=city) & standing.state_condition(state, horizons_of(city, now)) for city in cities),
        Q(pk__in=[]),
    )


def journal_of(case: Case) -> QuerySet[JournalEntry]:
    return JournalEntry.objects.filter(case=case).order_by("sequence")


# --- the JSON shape ------------------------------------------------------------------------------


def case_data(
    case: Case,
    *,
    show_contact: bool,
    commitments: list[Commitment],
    items: list[CaseItem],
    h: Horizons | None = None,
) -> dict[str, Any]:
    """A case as the API shows it; the contact only to roles that may see it (PK-PRIV).

    ``commitments`` and ``items`` are the case's own, in display order (see :func:`cases_data`);
    ``h`` the horizons of its city now, when the caller already has them.
    """
    contact = case.contact if show_contact and case.contact_id is not None else None
    standing_now = standing.standing_of(
        case, h or horizons_of(case.jurisdiction, timesource.now()), commitments=commitments
    )
    return {
        "reference": case.reference,
        "kind": case.kind,
        "feedback_type": case.feedback_type,
        "channel": case.channel,
        "service": case.service.code if case.service is not None else None,
        "department": case.department.code if case.department is not None else None,
        "assignee": case.assignee.get_username() if case.assignee is not None else None,
        "status": case.status,
        "resolution": case.resolution,
        "received_at": case.received_at,
        "entered_at": case.entered_at,
        "acknowledged_at": case.acknowledged_at,
        "closed_at": case.closed_at,
        "description": case.description,
        "occurred_at": case.occurred_at,
        "people_involved": case.people_involved,
        "outcome_sought": case.outcome_sought,
        "address": case.address,
        "latitude": decimal_or_none(case.latitude),
        "longitude": decimal_or_none(case.longitude),
        "hazard": case.hazard,
        "safety_threat": case.safety_threat,
        "safety_rank": case.safety_rank,
        "emergency_notice": standing.emergency_notice(
            clocks.profile_for(case.jurisdiction),
            hazard=case.hazard,
            safety_threat=case.safety_threat,
            language=case.language,
        )
        if case.is_open
        else None,
        "third_party_unidentified": case.third_party_unidentified,
        "council_involved": case.council_involved,
        "investigate": case.investigate,
        "language": case.language,
        "interpreter_requested": case.interpreter_requested,
        "follow_up_requests": case.follow_up_requests,
        "follow_up_round": case.follow_up_round,
        "follow_ups_sent": case.follow_ups_sent,
        "paused_since": case.paused_since,
        "paused_by": case.paused_by.get_username() if case.paused_by is not None else None,
        "pause_reason": case.pause_reason,
        "parent": case.parent.reference if case.parent is not None else None,
        "public_note": case.public_note,
        "redirect_to": case.redirect_to,
        "contact": None
        if contact is None
        else {
            "name": contact.name,
            "organisation": contact.organisation,
            "email": contact.email,
            "phone": contact.phone,
            "address": contact.address,
            "language": contact.language,
            "interpreter_requested": contact.interpreter_requested,
        },
        "clock_state": standing_now.state,
        "next_due_at": standing_now.next_due_at,
        "expected_at": standing_now.expected.at,
        "expected_is_completion": standing_now.expected.is_completion,
        "commitments": [commitment_data(c) for c in commitments],
        "items": [item_data(i) for i in items],
    }


def commitment_data(commitment: Commitment) -> dict[str, Any]:
    lines = commitment.explanation.get("lines", []) if isinstance(commitment.explanation, dict) else []
    return {
        "standard": commitment.standard,
        "purpose": commitment.purpose,
        "due_at": commitment.due_at,
        "state": commitment.state,
        "met_at": commitment.met_at,
        "breached_at": commitment.breached_at,
        "explanation": [str(line) for line in lines],
    }


def follow_ups_of(case: Case) -> list[FollowUpRequest]:
    """The case's follow-up requests in the order they were sent, with who sent and who was copied on each."""
    return list(case.follow_up_request_log.select_related("sent_by").prefetch_related("copied").order_by("number"))


def follow_up_request(pk: int) -> FollowUpRequest:
    return FollowUpRequest.objects.select_related("sent_by").prefetch_related("copied").get(pk=pk)


def follow_up_data(request: FollowUpRequest) -> dict[str, Any]:
    return {
        "number": request.number,
        "round": request.round,
        "step": request.step,
        "sent_at": request.sent_at,
        "sent_by": request.sent_by.get_username() if request.sent_by is not None else None,
        "message": request.message,
        "early_reason": request.early_reason,
        "copied_roles": list(request.copied_roles),
        "copied": sorted(u.get_username() for u in request.copied.all()),
        "next_due_at": request.next_due_at,
    }


def attachments_of(case: Case) -> list[CaseAttachment]:
    return list(CaseAttachment.objects.filter(case=case).order_by("added_at", "pk"))


def attachment_data(row: CaseAttachment, reference: str) -> dict[str, Any]:
    return {
        "id": row.pk,
        "name": row.original_name,
        "content_type": row.content_type,
        "size": row.size,
        "is_image": row.is_image,
        "width": row.width,
        "height": row.height,
        "caption": row.caption,
        "public": row.public,
        "source": row.source,
        "added_by": row.added_by_label,
        "added_at": row.added_at,
        "content_url": reverse("api-v1:attachment_content", args=[reference, row.pk]),
    }


def item_data(item: CaseItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "description": item.description,
        "created_at": item.created_at,
        "done_at": item.done_at,
        "done_by": item.done_by.get_username() if item.done_by is not None else None,
    }
