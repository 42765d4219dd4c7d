"""The reads behind the Open311 endpoints: only what the public may see, in a fixed number of queries.

Public means: cases of a service offered to the public (``Service.public``)
in the requested jurisdiction. Requests are read as plain records (one query
for a page of rows, one for their commitments, one for their public journal
entries) rather than model instances: a page of 1000 costs three queries and
no ORM objects. PK-PRIV: the contact's details are read only into
:class:`Private`, which the representation uses to withhold them from public
text and never shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from civicdesk.channels.open311.models import AttributeValue, ServiceAttribute, Submission
from civicdesk.domain.cases import standing
from civicdesk.domain.cases.models import Action, Case, Commitment, JournalEntry, Status
from civicdesk.domain.city.models import Jurisdiction, Service


def public_services(jurisdiction: Jurisdiction) -> QuerySet[Service]:
    return (
        Service.objects.filter(jurisdiction=jurisdiction, public=True, active=True)
        .annotate(has_questions=Exists(ServiceAttribute.objects.filter(service=OuterRef("pk"))))
        .order_by("category", "name", "code")
    )


def public_service(jurisdiction: Jurisdiction, code: str) -> Service | None:
    return public_services(jurisdiction).filter(code=code).first()


def questions(service: Service) -> list[ServiceAttribute]:
    return list(
        ServiceAttribute.objects.filter(service=service)
        .prefetch_related(Prefetch("values", queryset=AttributeValue.objects.order_by("order", "pk")))
        .order_by("order")
    )


# --- requests as records ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Private:
    """What identifies the person who raised a case: read to be withheld, never shown (PK-PRIV)."""

    name: str = ""
    organisation: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    device_id: str = ""
    account_id: str = ""


@dataclass(frozen=True, slots=True)
class Promise:
    """A commitment to the resident as a record (expected_datetime and service_notice are decided by standing)."""

    purpose: str
    standard: str
    due_at: datetime
    state: str
    met_at: datetime | None


@dataclass(frozen=True, slots=True)
class Note:
    at: datetime
    action: str
    note: str


@dataclass(slots=True)
class PublicRequest:
    pk: int
    reference: str
    status: str
    public_note: str
    description: str
    channel: str
    received_at: datetime
    updated_at: datetime
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    parent_reference: str | None
    service_code: str
    service_name: str
    department_name: str | None
    address_id: str
    media: str | None
    media_url: str
    private: Private
    promised: list[Promise] = field(default_factory=list)
    notes: list[Note] | None = None


_COLUMNS = (
    "pk",
    "reference",
    "status",
    "public_note",
    "description",
    "channel",
    "received_at",
    "updated_at",
    "address",
    "latitude",
    "longitude",
    "parent__reference",
    "service__code",
    "service__name",
    "department__name",
    "open311_submission__address_id",
    "open311_submission__media",
    "open311_submission__media_url",
    "contact__name",
    "contact__organisation",
    "contact__email",
    "contact__phone",
    "contact__address",
    "open311_submission__device_id",
    "open311_submission__account_id",
)


def public_cases(jurisdiction: Jurisdiction) -> QuerySet[Case]:
    return Case.objects.filter(jurisdiction=jurisdiction, service__public=True)


def records(cases: QuerySet[Case], *, notes: bool = False) -> list[PublicRequest]:
    """The page ``cases`` (already filtered, ordered and sliced) as records, with commitments and notes."""
    found = []
    for row in cases.values_list(*_COLUMNS):
        found.append(
            PublicRequest(
                pk=row[0],
                reference=row[1],
                status=row[2],
                public_note=row[3],
                description=row[4],
                channel=row[5],
                received_at=row[6],
                updated_at=row[7],
                address=row[8],
                latitude=row[9],
                longitude=row[10],
                parent_reference=row[11],
                service_code=row[12] or "",
                service_name=row[13] or "",
                department_name=row[14],
                address_id=row[15] or "",
                media=row[16],
                media_url=row[17] or "",
                private=Private(*(value or "" for value in row[18:])),
            )
        )
    if not found:
        return found
    by_pk = {request.pk: request for request in found}
    promises = (
        Commitment.objects.filter(standing.RESIDENT_CLOCKS, case_id__in=list(by_pk))
        .order_by("due_at", "pk")
        .values_list("case_id", "purpose", "standard", "due_at", "state", "met_at")
    )
    for case_id, purpose, standard, due_at, state, met_at in promises:
        by_pk[case_id].promised.append(Promise(purpose, standard, due_at, state, met_at))
    if notes:
        grouped: dict[int, list[Note]] = defaultdict(list)
        entries = (
            JournalEntry.objects.filter(case_id__in=list(by_pk), public=True)
            .order_by("case_id", "sequence")
            .values_list("case_id", "at", "action", "note")
        )
        for case_id, at, action, text in entries:
            grouped[case_id].append(Note(at, action, text))
        for request in found:
            request.notes = grouped.get(request.pk, [])
    return found


def public_request(jurisdiction: Jurisdiction, reference: str, *, notes: bool = False) -> PublicRequest | None:
    found = records(public_cases(jurisdiction).filter(reference=reference), notes=notes)
    return found[0] if found else None


@dataclass(frozen=True)
class RequestFilter:
    """GET requests: ``ids`` (overrides the rest), service codes, statuses, and one time range."""

    ids: list[str]
    service_codes: list[str]
    statuses: list[str]
    requested: tuple[datetime, datetime] | None
    updated: tuple[datetime, datetime] | None


def filtered_cases(jurisdiction: Jurisdiction, spec: RequestFilter) -> QuerySet[Case]:
    cases = public_cases(jurisdiction)
    if spec.ids:
        return cases.filter(reference__in=spec.ids).order_by("-received_at", "-pk")
    if spec.service_codes:
        cases = cases.filter(service__code__in=spec.service_codes)
    if spec.statuses and set(spec.statuses) != set(Status.values):
        cases = cases.filter(status__in=spec.statuses)
    if spec.updated is not None:
        cases = cases.filter(updated_at__gte=spec.updated[0], updated_at__lte=spec.updated[1])
    if spec.requested is not None:
        cases = cases.filter(received_at__gte=spec.requested[0], received_at__lte=spec.requested[1])
    if spec.updated is not None and spec.requested is None:
        return cases.order_by("-updated_at", "-pk")
    return cases.order_by("-received_at", "-pk")


def requests_page(
    jurisdiction: Jurisdiction, spec: RequestFilter, *, offset: int, size: int, notes: bool
) -> list[PublicRequest]:
    """One page of GET requests, newest first.

    Without a status filter the page is read along the cases' (jurisdiction,
    status, received_at) index once per status and merged here: asking the
    database for both statuses at once makes it sort the whole time range
    (seconds over a million cases); each status alone is read in index order
    and stops after ``offset + size`` rows.
    """
    cases = filtered_cases(jurisdiction, spec)
    by_received = not spec.ids and (spec.requested is not None or spec.updated is None)
    one_status = len(set(spec.statuses) & set(Status.values)) == 1
    if not by_received or one_status:
        return records(cases[offset : offset + size], notes=notes)
    heads: list[tuple[datetime, int]] = []
    for status in Status.values:
        heads += cases.filter(status=status).values_list("received_at", "pk")[: offset + size]
    heads.sort(reverse=True)
    chosen = [pk for _received, pk in heads[offset : offset + size]]
    page = records(public_cases(jurisdiction).filter(pk__in=chosen), notes=notes)
    position = {pk: n for n, pk in enumerate(chosen)}
    return sorted(page, key=lambda request: position[request.pk])


def case_by_token(jurisdiction: Jurisdiction, token: str) -> list[tuple[str, str]]:
    """(service_request_id, token) of the public requests made with ``token``."""
    return list(
        Submission.objects.filter(jurisdiction=jurisdiction, client_token=token, case__service__public=True)
        .order_by("pk")
        .values_list("case__reference", "client_token")
    )


@dataclass(frozen=True, slots=True)
class Update:
    pk: int
    at: datetime
    action: str
    note: str
    resolution: str | None
    reference: str
    private: Private


def public_updates(jurisdiction: Jurisdiction, start: datetime, end: datetime) -> QuerySet[JournalEntry]:
    """Public journal entries in [start, end] after a case was received: what FixMyStreet polls."""
    return (
        JournalEntry.objects.filter(
            jurisdiction=jurisdiction, public=True, at__gte=start, at__lte=end, case__service__public=True
        )
        .exclude(action=Action.CREATED)
        .order_by("at", "pk")
    )


def update_records(entries: QuerySet[JournalEntry]) -> list[Update]:
    rows = entries.values_list(
        "pk",
        "at",
        "action",
        "note",
        "data__resolution",
        "case__reference",
        "case__contact__name",
        "case__contact__organisation",
        "case__contact__email",
        "case__contact__phone",
        "case__contact__address",
        "case__open311_submission__device_id",
        "case__open311_submission__account_id",
    )
    return [Update(*row[:6], private=Private(*(value or "" for value in row[6:]))) for row in rows]
