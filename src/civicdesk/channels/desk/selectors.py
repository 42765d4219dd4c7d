"""Reads for the staff desk: queues with live clock states, intake helpers, escalations, the outstanding report.

Every read starts from :func:`civicdesk.domain.cases.access.cases_visible_to`, so a
department role never sees another department's cases. A page of cases costs
the same few queries whatever its length: clock states are conditions on the
case's own clock summary columns (:mod:`civicdesk.domain.cases.standing`, read
from the ``case_clock_idx`` indexes, no commitment subquery), and related rows
are joined, never loaded case by case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.paginator import Paginator
from django.db import connection, models
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils.functional import cached_property

from civicdesk.domain.cases import access, clocks, standing
from civicdesk.domain.cases.models import (
    Case,
    CaseAttachment,
    Channel,
    Commitment,
    CommitmentState,
    FollowUpRequest,
    JournalEntry,
    Purpose,
    Status,
)
from civicdesk.domain.cases.standing import CLOCK_STATES, Horizons
from civicdesk.domain.city.models import Department, Jurisdiction, Service
from civicdesk.domain.inbox.models import InboundAttachment, InboundMessage, Outcome, ScannedDocument
from civicdesk.domain.outbox.models import MessageState, OutboxMessage
from civicdesk.domain.people.models import Contact
from civicdesk.domain.staff.models import User
from civicdesk.engines.standards import Profile

SCOPES = ("mine", "department", "care")
SORTS = {
    # Safety first: open immediate threats and hazards awaiting inspection lead the default order (case_safety_idx).
    "due": ("-safety_rank", F("next_due_at").asc(nulls_last=True), "-received_at", "-pk"),
    "received": ("received_at", "pk"),
    "-received": ("-received_at", "-pk"),
    "requests": ("-follow_up_requests", F("next_due_at").asc(nulls_last=True), "-pk"),
    "reference": ("reference",),
}
ESCALATION_STEPS = ("0", "1", "2", "3", "4+")


def jurisdiction_for(user: User) -> Jurisdiction | None:
    """The city whose desk ``user`` works; a platform administrator without one gets the first city."""
    if user.jurisdiction_id is not None:
        return user.jurisdiction
    return Jurisdiction.objects.order_by("pk").first()


def profile_for(jurisdiction: Jurisdiction) -> Profile:
    return clocks.profile_for(jurisdiction)


def horizons(jurisdiction: Jurisdiction | None, now: datetime) -> Horizons:
    """Where "at risk" and "due soon" end at ``now`` in the desk's city (:func:`standing.horizons`)."""
    return standing.horizons(profile_for(jurisdiction) if jurisdiction is not None else None, now=now)


# Counting stops here: "10,000+" says enough, and the count stays cheap at any size.
COUNT_CAP = 10_000


class CappedPaginator(Paginator):  # type: ignore[type-arg]
    """Pages of a queue whose total is counted only up to :data:`COUNT_CAP` (no full count of a million rows).

    The queue already knows its total from its state counts (``known_count``), so nothing is counted twice.
    """

    def __init__(self, object_list: QuerySet[Case], per_page: int, *, known_count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = known_count

    @cached_property
    def count(self) -> int:
        return min(self.known_count, COUNT_CAP + 1)

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


def shown_count(count: int) -> str:
    return f"{COUNT_CAP:,}+" if count > COUNT_CAP else f"{count:,}"


@dataclass
class QueueFilters:
    kind: str = ""
    channel: str = ""
    service: int | None = None
    department: int | None = None
    assignee: int | None = None
    escalation: str = ""
    state: str = ""
    sort: str = "due"


def count_states(cases: QuerySet[Case], h: Horizons) -> dict[str, int]:
    """How many of ``cases`` are in each clock state, each counted up to ``COUNT_CAP + 1``, in one statement."""
    parts = [(state, part) for state in CLOCK_STATES for part in standing.state_parts(state, h)]
    selects: list[str] = []
    params: list[Any] = []
    for _, part in parts:
        sql, part_params = cases.filter(part).order_by().values("pk")[: COUNT_CAP + 1].query.sql_with_params()
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS part)")  # noqa: S608 — SQL built by the ORM, values as params
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        row = cursor.fetchone()
    counts = dict.fromkeys(CLOCK_STATES, 0)
    for (state, _), counted in zip(parts, row, strict=True):
        counts[state] = min(COUNT_CAP + 1, counts[state] + int(counted))
    return counts


def scoped_cases(user: User, scope: str) -> QuerySet[Case]:
    """Open cases of a queue: mine (assigned to me), my department's, or every department's (Customer Care)."""
    cases = access.cases_visible_to(user).filter(status=Status.OPEN)
    if scope == "mine":
        return cases.filter(assignee=user)
    if scope == "department":
        return cases.filter(department_id__in=access.departments_of(user))
    return cases


def queue(user: User, scope: str, filters: QueueFilters, h: Horizons) -> tuple[QuerySet[Case], dict[str, int]]:
    """The queue's cases (filtered, sorted, clock states annotated) and the count of each clock state."""
    cases = scoped_cases(user, scope)
    if filters.kind:
        cases = cases.filter(kind=filters.kind)
    if filters.channel:
        cases = cases.filter(channel=filters.channel)
    if filters.service:
        cases = cases.filter(service_id=filters.service)
    if filters.department:
        cases = cases.filter(department_id=filters.department)
    if filters.assignee:
        cases = cases.filter(assignee_id=filters.assignee)
    if filters.escalation == "4+":
        cases = cases.filter(follow_up_requests__gte=4)
    elif filters.escalation:
        cases = cases.filter(follow_up_requests=int(filters.escalation))
    counts = count_states(cases, h)
    if filters.state in CLOCK_STATES:
        cases = cases.filter(standing.state_condition(filters.state, h))
    cases = standing.with_clock_state(cases, h)
    cases = cases.select_related("service", "department", "assignee", "paused_by").order_by(
        *SORTS.get(filters.sort, SORTS["due"])
    )
    return cases, counts


def filter_choices(user: User, jurisdiction: Jurisdiction | None) -> dict[str, list[tuple[Any, str]]]:
    """Options of the queue's filters, limited to the user's city (three queries)."""
    services = Service.objects.filter(jurisdiction=jurisdiction, active=True).order_by("category", "name")
    departments = Department.objects.filter(jurisdiction=jurisdiction, active=True).order_by("name")
    if not user.has_perm("cases.view_all_departments"):
        departments = departments.filter(pk__in=access.departments_of(user))
    staff = User.objects.filter(jurisdiction=jurisdiction, is_active=True, department__isnull=False)
    if not user.has_perm("cases.view_all_departments"):
        staff = staff.filter(department_id__in=access.departments_of(user))
    return {
        "service": [(s.pk, s.name) for s in services.only("pk", "name")],
        "department": [(d.pk, d.name) for d in departments.only("pk", "name")],
        "assignee": [
            (u.pk, u.get_full_name() or u.get_username())
            for u in staff.only("pk", "first_name", "last_name", "username").order_by("last_name", "first_name")
        ],
    }


# --- intake ----------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
_STREET_TYPES = {
    "st",
    "street",
    "rd",
    "road",
    "ave",
    "avenue",
    "dr",
    "drive",
    "cres",
    "crescent",
    "blvd",
    "boulevard",
    "ct",
    "court",
    "lane",
    "ln",
    "way",
    "pl",
    "place",
    "e",
    "w",
    "n",
    "s",
    "east",
    "west",
    "north",
    "south",
}


def suggest_services(jurisdiction: Jurisdiction, text: str, *, limit: int = 3) -> list[Service]:
    """Services whose name, keywords, category or description share words with what the caller said."""
    words = {w.lower() for w in _WORD.findall(text or "")}
    if not words:
        return []
    scored = []
    for service in Service.objects.filter(jurisdiction=jurisdiction, active=True).order_by("name"):
        haystack = " ".join((service.name, service.keywords, service.category, service.description)).lower()
        name = service.name.lower()
        score = sum(3 if w[:5] in name else 1 for w in words if w[:5] in haystack)
        if score:
            scored.append((score, service))
    scored.sort(key=lambda pair: -pair[0])
    return [service for _score, service in scored[:limit]]


def street_of(address: str) -> str:
    """``12 Elm St.`` → ``elm``: the street's own name, for "near the same address"."""
    words = [w for w in re.split(r"[\s,.#-]+", (address or "").lower()) if w]
    named = [w for w in words if not w.isdigit() and w not in _STREET_TYPES and not re.fullmatch(r"\d+\w?", w)]
    return max(named, key=len) if named else ""


def possible_duplicates(user: User, service: Service | None, address: str, *, limit: int = 5) -> list[Case]:
    """Open cases for the same service on the same street, newest first."""
    street = street_of(address)
    if service is None or len(street) < 3:
        return []
    cases = access.cases_visible_to(user).filter(status=Status.OPEN, service=service, address__icontains=street)
    return list(cases.select_related("service", "department").order_by("-received_at")[:limit])


def find_contacts(user: User, jurisdiction: Jurisdiction | None, query: str, *, limit: int = 10) -> list[Contact]:
    """Residents matching a name, phone, email or address; only for roles that may see contacts (PK-PRIV)."""
    query = (query or "").strip()
    if not access.may_see_contact(user) or jurisdiction is None or len(query) < 3:
        return []
    condition = Q(name__icontains=query) | Q(email__iexact=query) | Q(address__icontains=query)
    digits = re.sub(r"\D", "", query)
    if len(digits) >= 4:
        condition |= Q(phone__icontains=digits[-4:])
    phone_like = len(digits) >= 4 and len(digits) >= len(re.sub(r"[\s()+.-]", "", query)) - 1
    found: list[Contact] = []
    seen: set[tuple[str, str, str]] = set()
    for contact in Contact.objects.filter(jurisdiction=jurisdiction).filter(condition).order_by("-created_at")[:200]:
        if phone_like and digits not in re.sub(r"\D", "", contact.phone):
            continue
        key = (contact.name.lower(), contact.email.lower(), re.sub(r"\D", "", contact.phone))
        if key in seen:
            continue
        seen.add(key)
        found.append(contact)
        if len(found) >= limit:
            break
    return found


def contact_for(user: User, jurisdiction: Jurisdiction | None, pk: int) -> Contact | None:
    if not access.may_see_contact(user) or jurisdiction is None:
        return None
    return Contact.objects.filter(jurisdiction=jurisdiction, pk=pk).first()


# --- the case page -----------------------------------------------------------------------------


def case_page(user: User, reference: str) -> Case:
    """The case with everything its page shows, if ``user`` may see it (else ``Case.DoesNotExist``)."""
    related = ["jurisdiction", "service", "department", "assignee", "parent"]
    if access.may_see_contact(user):
        related.append("contact")
    return (
        access.cases_visible_to(user)
        .select_related(*related)
        .prefetch_related("items__done_by", "duplicates")
        .get(reference=reference)
    )


def commitments_of(case: Case) -> list[Commitment]:
    return list(case.commitments.order_by("due_at", "pk"))


def journal_of(case: Case) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(case=case).order_by("-sequence"))


def follow_ups_of(case: Case) -> list[FollowUpRequest]:
    return list(case.follow_up_request_log.select_related("sent_by").prefetch_related("copied").order_by("number"))


def department_staff(case: Case) -> list[User]:
    if case.department_id is None:
        return []
    return list(
        User.objects.filter(department_id=case.department_id, is_active=True).order_by("last_name", "first_name")
    )


# --- escalations and the outstanding report ------------------------------------------------------


def first_copy_step(profile: Profile) -> int:
    """The follow-up request that first copies someone senior (PK-ESC: the 3rd)."""
    ladder = profile.escalation
    steps = [step.request for step in ladder.steps if step.copy] if ladder else []
    return min(steps) if steps else 3


def escalations(user: User, profile: Profile, h: Horizons) -> QuerySet[Case]:
    """Open cases whose follow-up requests copied ``user`` (supervisor, director); Customer Care sees all of them."""
    cases = access.cases_visible_to(user).filter(status=Status.OPEN)
    if user.has_perm("cases.view_all_departments"):
        cases = cases.filter(follow_up_requests__gte=first_copy_step(profile))
    else:
        cases = cases.filter(Exists(FollowUpRequest.objects.filter(case=OuterRef("pk"), copied=user)))
    # No update since the round's first request on the ladder (an early reminder is not the follow-up date).
    first_request = (
        FollowUpRequest.objects.filter(case=OuterRef("pk"), round=OuterRef("follow_up_round"), step__gte=1)
        .order_by("number")
        .values("sent_at")[:1]
    )
    last_copied = FollowUpRequest.objects.filter(case=OuterRef("pk")).order_by("-number").values("copied_roles")[:1]
    return (
        standing.with_clock_state(cases, h)
        .annotate(first_request_at=Subquery(first_request), copied_roles=Subquery(last_copied))
        .select_related("service", "department", "assignee")
        .order_by("first_request_at", "pk")
    )


def outstanding(user: User, h: Horizons) -> QuerySet[Case]:
    """PK-REPORT: every open case the user may see, with its timeline and PK-MISS call-by date, by department."""
    timeline = (
        Commitment.objects.filter(
            case=OuterRef("pk"), purpose=Purpose.COMPLETE, state__in=[CommitmentState.PENDING, CommitmentState.BREACHED]
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )
    notice = (
        Commitment.objects.filter(case=OuterRef("pk"), purpose=Purpose.TIMELINE_NOTICE)
        .exclude(state=CommitmentState.CANCELLED)
        .order_by("-due_at")
        .values("due_at")[:1]
    )
    cases = access.cases_visible_to(user).filter(status=Status.OPEN)
    return (
        standing.with_clock_state(cases, h)
        .annotate(timeline_due=Subquery(timeline), call_by=Subquery(notice))
        .select_related("service", "department", "assignee")
        .order_by("department__name", models.F("timeline_due").asc(nulls_last=True), "received_at", "pk")
    )


def to_call_this_week(cases: QuerySet[Case], h: Horizons) -> QuerySet[Case]:
    """PK-MISS: cases whose anticipated completion is within a week: tell the resident now if it will slip."""
    return cases.filter(timeline_due__isnull=False, timeline_due__lte=h.now + timedelta(days=7)).order_by(  # type: ignore[misc]
        "timeline_due", "pk"
    )


def department_summary(cases: QuerySet[Case], h: Horizons) -> list[dict[str, Any]]:
    """Per department: open cases and how many are in each clock state (one query)."""
    rows = (
        cases.order_by()
        .values("department__name")
        .annotate(
            total=Count("pk"),
            **{state: Count("pk", filter=Q(clock_state=state)) for state in CLOCK_STATES},
            late_timeline=Count("pk", filter=Q(timeline_due__lt=h.now)),
        )
        .order_by("department__name")
    )
    return list(rows)


# --- the thread, undelivered messages, unread mail (PK-EMAIL-CHECK) ---------------------------------

MAIL_ON_CASES = (Outcome.NEW_CASE, Outcome.ON_CASE)


def thread_of(case: Case) -> list[tuple[datetime, str, InboundMessage | OutboxMessage]]:
    """Every email the resident sent about the case and every message civicdesk sent on it, oldest first (3 queries)."""
    received = (
        InboundMessage.objects.filter(case=case, outcome__in=MAIL_ON_CASES)
        .select_related("opened_by")
        .prefetch_related(models.Prefetch("attachments", queryset=InboundAttachment.objects.order_by("pk")))
    )
    sent = (
        OutboxMessage.objects.filter(case=case)
        .select_related("recipient_user", "digest", "author", "reviewed_by")
        .prefetch_related("cc_users", "delivery_attempts", "digest__delivery_attempts")
    )
    items: list[tuple[datetime, str, InboundMessage | OutboxMessage]] = [
        (m.received_at, "received", m) for m in received
    ]
    items += [(m.created_at, "sent", m) for m in sent]
    items.sort(key=lambda item: (item[0], item[1] == "sent", item[2].pk))
    return items


def mark_mail_opened(case: Case, user: User, at: datetime) -> int:
    """PK-EMAIL-CHECK: the case's unread mail is opened now by ``user`` (only its first opening is kept)."""
    return InboundMessage.objects.filter(case=case, opened_at__isnull=True).update(opened_at=at, opened_by=user)


def attachment_of(case: Case, pk: int) -> InboundAttachment | None:
    return InboundAttachment.objects.filter(pk=pk, message__case=case, kept=True).first()


def scan_of(case: Case, pk: int) -> ScannedDocument | None:
    return ScannedDocument.objects.filter(pk=pk, case=case).first()


def undelivered(user: User) -> QuerySet[OutboxMessage]:
    """Messages on the cases ``user`` sees that failed for good, newest first."""
    return (
        OutboxMessage.objects.filter(state=MessageState.FAILED, case__in=access.cases_visible_to(user))
        .select_related("case", "recipient_user", "author", "reviewed_by")
        .prefetch_related("cc_users", "delivery_attempts")
        .annotate(failed_at=Max("delivery_attempts__attempted_at"))
        .order_by(F("failed_at").desc(nulls_last=True), "-created_at", "-pk")
    )


def unread_mail(user: User, scope: str) -> QuerySet[InboundMessage]:
    """PK-EMAIL-CHECK: mail on the cases of a queue that no staff member has opened yet, oldest first."""
    cases = access.cases_visible_to(user)
    if scope == "department":
        cases = cases.filter(department_id__in=access.departments_of(user))
    elif scope == "mine":
        cases = cases.filter(assignee=user)
    return InboundMessage.objects.filter(outcome__in=MAIL_ON_CASES, opened_at__isnull=True, case__in=cases).order_by(
        "received_at", "pk"
    )


def mail_received(user: User, since: datetime) -> QuerySet[InboundMessage]:
    """Mail received on the cases ``user`` sees since ``since``, oldest first, with who opened it."""
    return (
        InboundMessage.objects.filter(
            outcome__in=MAIL_ON_CASES, received_at__gte=since, case__in=access.cases_visible_to(user)
        )
        .select_related("case", "opened_by")
        .order_by("received_at", "pk")
    )


@dataclass(frozen=True)
class Unread:
    """PK-EMAIL-CHECK on a queue: how many emails no staff member has opened, and how long the oldest has waited."""

    count: int
    oldest: datetime | None
    waited_hours: float


def unread_summary(user: User, scope: str, jurisdiction: Jurisdiction | None, now: datetime) -> Unread:
    """One query: the queue's unread mail counted, and the oldest's wait in business hours."""
    found = unread_mail(user, scope).order_by().aggregate(count=Count("pk"), oldest=Min("received_at"))
    oldest = found["oldest"]
    waited = 0.0
    if oldest is not None and jurisdiction is not None:
        waited = profile_for(jurisdiction).calendar.business_time_between(oldest, now).total_seconds() / 3600
    return Unread(count=int(found["count"] or 0), oldest=oldest, waited_hours=waited)


def case_files_of(case: Case) -> list[CaseAttachment]:
    """The files kept with the case (photos, scans, documents), oldest first."""
    return list(CaseAttachment.objects.filter(case=case).select_related("added_by").order_by("added_at", "pk"))


def case_file_of(case: Case, pk: int) -> CaseAttachment | None:
    return CaseAttachment.objects.filter(case=case, pk=pk).first()


def open311_media_of(case: Case) -> tuple[str, str]:
    """The photo an Open311 report came with: its stored name, and the link the client gave ("" when none)."""
    if case.channel != Channel.OPEN311:
        return "", ""
    row = (
        Case.objects.filter(pk=case.pk)
        .values_list("open311_submission__media", "open311_submission__media_url")
        .first()
    )
    return (row[0] or "", row[1] or "") if row else ("", "")
