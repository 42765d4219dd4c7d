"""Intake: a contact from a resident becomes a case, with the clocks its standards owe (PK-DEF, PK-CHANNELS, PK-ANON).

Every channel takes intake here: the desk (phone, walk-in, letter, email…),
the staff API, the portal and Open311. A case for a service goes straight to
the service's department; feedback and anonymous allegations are recorded
and closed. A resident who reported on the portal and gave an email address
gets a receipt with the reference number, queued in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from civicdesk.domain.cases import clocks, journal, notifications, references, search, standing, time_windows
from civicdesk.domain.cases.access import require
from civicdesk.domain.cases.actions.closing import record_closure
from civicdesk.domain.cases.actions.common import check_length
from civicdesk.domain.cases.actions.routing import send_to_department
from civicdesk.domain.cases.errors import InvalidInput, TransitionRefused
from civicdesk.domain.cases.models import (
    Action,
    Case,
    Channel,
    Commitment,
    FeedbackType,
    IdempotencyKey,
    Kind,
    Purpose,
    Resolution,
)
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.city.models import Jurisdiction, Service
from civicdesk.domain.people.models import Contact, Title
from civicdesk.domain.staff.models import User
from civicdesk.platform import timesource

# The missing details in the words the staff API reports (the read model decides which are missing, PK-CHANNELS).
DETAIL_NAMES = {
    "description": "what happened",
    "occurred_at": "date and time of occurrence",
    "people_involved": "who was involved",
    "outcome_sought": "outcome sought",
    "contact": "contact details",
}
MAX_DESCRIPTION = 10_000
COORDINATE_PLACES = Decimal("0.000001")
REFERENCE_ATTEMPTS = 8


@dataclass(frozen=True)
class ContactDetails:
    name: str = ""
    title: str = ""  # how they asked to be addressed (people.Title: ms, mrs, mr, mx, dr); letters greet them so
    organisation: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    language: str = ""
    interpreter_requested: bool = False
    existing: int | None = None  # a contact already on file (found by the CSR): several cases, one resident

    @property
    def empty(self) -> bool:
        return not (self.existing or self.name or self.organisation or self.email or self.phone or self.address)


@dataclass(frozen=True)
class Idempotency:
    """A client's ``Idempotency-Key``: a retry of the same request returns the case the first one created."""

    client: str
    key: str
    request: dict[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.request, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Receipt:
    """Send the resident a receipt by email (the portal's confirmation); ``status_url`` is where they check status."""

    status_url: str


@dataclass(frozen=True)
class Intake:
    case: Case
    created: bool
    missing_details: list[str]
    # A new case's clocks as written (primary keys set when the unit of work flushed): the response needs no re-read.
    commitments: list[Commitment] | None = None


def missing_complaint_details(case: Case) -> list[str]:
    """PK-CHANNELS: the parts of a complaint record still missing (shown to the CSR, never a rejection)."""
    return [DETAIL_NAMES[key] for key in standing.missing_details_of(case)]


def create_case(
    *,
    jurisdiction: Jurisdiction,
    actor: User | None,
    actor_label: str | None = None,
    kind: str,
    channel: str,
    description: str,
    service: Service | None = None,
    received_at: datetime | None = None,
    contact: ContactDetails | None = None,
    feedback_type: str = "",
    occurred_at: datetime | None = None,
    people_involved: str = "",
    outcome_sought: str = "",
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    hazard: bool | None = None,
    safety_threat: bool = False,
    third_party_unidentified: bool = False,
    council_involved: bool = False,
    language: str = "",
    interpreter_requested: bool = False,
    idempotency: Idempotency | None = None,
    receipt: Receipt | None = None,
) -> Intake:
    """Record a contact as a case and start the clocks its standards owe (PK-DEF, PK-CHANNELS, PK-ACK-1BD, PK-ANON).

    ``actor`` is the staff member taking it, or ``None`` for a resident on a
    public channel (named by ``actor_label``). A letter received Tuesday and
    entered Thursday passes ``received_at`` of Tuesday: every clock counts
    from receipt. Anonymous allegations and ones for an unidentified third
    party are recorded but not investigated unless flagged as an immediate
    threat to safety. With ``receipt``, a resident who gave an email address
    is sent the reference number, and the journal says so.
    """
    require(actor, "cases.add_case")
    now = timesource.now()
    check_length(Case, "address", address, "address")
    if contact is not None:
        _validated_contact(contact, jurisdiction)
    received_at = _validated_intake(
        jurisdiction,
        kind,
        channel,
        description,
        service,
        received_at,
        occurred_at,
        feedback_type,
        latitude,
        longitude,
        language,
        now,
    )
    # A retry is found by its key's unique constraint when the new case's rows are written (below), not
    # by a look-up first: nearly every request is new, and the look-up cost every one of them a query.
    try:
        with UnitOfWork.atomic(now=now) as work:
            return _record(
                work=work,
                jurisdiction=jurisdiction,
                actor=actor,
                actor_label=actor_label,
                contact=contact,
                idempotency=idempotency,
                receipt=receipt,
                kind=kind,
                channel=channel,
                description=description.strip(),
                service=service,
                received_at=received_at,
                feedback_type=feedback_type,
                occurred_at=occurred_at.astimezone(UTC) if occurred_at is not None else None,
                people_involved=people_involved.strip(),
                outcome_sought=outcome_sought.strip(),
                address=address.strip(),
                latitude=_coordinate(latitude),
                longitude=_coordinate(longitude),
                hazard=service.is_hazard if hazard is None and service is not None else bool(hazard),
                safety_threat=safety_threat,
                third_party_unidentified=third_party_unidentified,
                council_involved=council_involved,
                language=language or (contact.language if contact and contact.language else jurisdiction.languages[0]),
                interpreter_requested=interpreter_requested or bool(contact and contact.interpreter_requested),
            )
    except IntegrityError:
        # A retry (or two racing): the first request's case is the answer.
        if idempotency is not None:
            existing = _replayed(jurisdiction, idempotency)
            if existing is not None:
                return Intake(existing, False, missing_complaint_details(existing))
        raise


def _coordinate(value: float | None) -> Decimal | None:
    """A latitude or longitude as stored (6 decimal places, about 10 cm), so the case in memory is the case saved."""
    return None if value is None else Decimal(str(value)).quantize(COORDINATE_PLACES)


def _validated_intake(
    jurisdiction: Jurisdiction,
    kind: str,
    channel: str,
    description: str,
    service: Service | None,
    received_at: datetime | None,
    occurred_at: datetime | None,
    feedback_type: str,
    latitude: float | None,
    longitude: float | None,
    language: str,
    now: datetime,
) -> datetime:
    if kind not in Kind.values:
        raise InvalidInput(f"unknown kind {kind!r}; expected one of {', '.join(Kind.values)}", field="kind")
    if channel not in Channel.values:
        raise InvalidInput(f"unknown channel {channel!r}; expected one of {', '.join(Channel.values)}", field="channel")
    if not description or not description.strip():
        raise InvalidInput("describe what happened or what is asked", field="description")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"the description is longer than {MAX_DESCRIPTION} characters", field="description")
    if service is not None and (service.jurisdiction_id != jurisdiction.pk or not service.active):
        raise InvalidInput(f"service {service.code!r} is not offered by {jurisdiction.name}", field="service")
    if kind in (Kind.COMPLAINT, Kind.SERVICE_REQUEST) and service is None:
        raise InvalidInput(
            "a complaint or service request needs a service, so it can be routed (PK-ROUTE)", field="service"
        )
    if feedback_type and (kind != Kind.FEEDBACK or feedback_type not in FeedbackType.values):
        raise InvalidInput(
            f"feedback_type {feedback_type!r} is only for feedback: {', '.join(FeedbackType.values)}",
            field="feedback_type",
        )
    if received_at is not None:
        time_windows.check_receipt(received_at, field="received_at", label=_("The time the case was received"))
    if occurred_at is not None:
        time_windows.check_receipt(occurred_at, field="occurred_at", label=_("The time it happened"))
    if (latitude is None) != (longitude is None):
        raise InvalidInput(
            "give both latitude and longitude, or neither", field="latitude" if latitude is None else "longitude"
        )
    if latitude is not None and not -90 <= latitude <= 90:
        raise InvalidInput("latitude must be between -90 and 90", field="latitude")
    if longitude is not None and not -180 <= longitude <= 180:
        raise InvalidInput("longitude must be between -180 and 180", field="longitude")
    if language and language not in jurisdiction.languages:
        raise InvalidInput(
            f"language {language!r} is not served; choose one of {', '.join(jurisdiction.languages)}", field="language"
        )
    # A receipt a few minutes ahead is the sender's clock running fast: its clocks start now.
    return min(received_at or now, now).astimezone(UTC)


def _validated_contact(contact: ContactDetails, jurisdiction: Jurisdiction) -> None:
    for name in ("name", "organisation", "email", "phone", "address"):
        check_length(Contact, name, getattr(contact, name), f"contact.{name}")
    if contact.email:
        try:
            validate_email(contact.email.strip())
        except ValidationError:
            raise InvalidInput(f"{contact.email!r} is not an email address", field="contact.email") from None
    if contact.language and contact.language not in jurisdiction.languages:
        raise InvalidInput(
            f"language {contact.language!r} is not served; choose one of {', '.join(jurisdiction.languages)}",
            field="contact.language",
        )


def _replayed(jurisdiction: Jurisdiction, idempotency: Idempotency) -> Case | None:
    try:
        row = IdempotencyKey.objects.select_related("case").get(
            jurisdiction=jurisdiction, client=idempotency.client, key=idempotency.key
        )
    except IdempotencyKey.DoesNotExist:
        return None
    if row.fingerprint != idempotency.fingerprint:
        raise TransitionRefused(
            "this Idempotency-Key was already used for a different request",
            field="Idempotency-Key",
            code="idempotency_conflict",
        )
    return row.case


def _record(
    *,
    work: UnitOfWork,
    jurisdiction: Jurisdiction,
    actor: User | None,
    actor_label: str | None,
    contact: ContactDetails | None,
    idempotency: Idempotency | None,
    receipt: Receipt | None,
    **fields: Any,
) -> Intake:
    """The validated intake written: contact, case, clocks, routing or closing, receipt and idempotency key."""
    contact_row = None
    if contact is not None and contact.title and contact.title not in Title.values:
        raise InvalidInput(
            f"unknown title {contact.title!r}; expected one of {', '.join(Title.values)} or none",
            field="contact.title",
        )
    if contact is not None and contact.existing is not None:
        contact_row = _existing_contact(jurisdiction, contact)
    elif contact is not None and not contact.empty:
        contact_row = Contact.objects.create(
            jurisdiction=jurisdiction,
            title=contact.title,
            name=contact.name.strip(),
            organisation=contact.organisation.strip(),
            email=contact.email.strip(),
            phone=contact.phone.strip(),
            address=contact.address.strip(),
            language=contact.language or fields["language"],
            interpreter_requested=contact.interpreter_requested,
        )
    anonymous = contact_row is None or not contact_row.identified
    investigate = standing.would_investigate(
        kind=fields["kind"],
        identified=not anonymous,
        third_party_unidentified=fields["third_party_unidentified"],
        safety_threat=fields["safety_threat"],
        allegation=bool(fields["service"] and fields["service"].alleges_wrongdoing),
    )
    case = _insert_with_fresh_reference(
        jurisdiction=jurisdiction,
        contact=contact_row,
        entered_at=work.now,
        updated_at=work.now,
        investigate=investigate,
        **fields,
    )
    work.begin_case(case)
    label = actor_label or journal.actor_label_for(actor, "resident")
    missing = missing_complaint_details(case)
    journal.append(
        work=work,
        case=case,
        action=Action.CREATED,
        actor=actor,
        actor_label=label,
        public=True,
        note=journal.RECEIVED if investigate else journal.RECORDED_NOT_INVESTIGATED,
        data={
            "kind": case.kind,
            "channel": case.channel,
            "service": case.service.code if case.service else None,
            "received_at": case.received_at.isoformat(),
            "entered_at": work.now.isoformat(),
            "investigate": investigate,
            "missing_details": missing,
        },
    )
    for purpose, standard in clocks.intake_standards(clocks.profile_for(jurisdiction), case):
        clocks.start_clock(work=work, case=case, purpose=purpose, standard_id=standard.id, start=case.received_at)
    if case.service is not None and investigate:
        send_to_department(
            work=work, case=case, department=case.service.department, actor=actor, actor_label=label, reason=""
        )
    # PK-COUNCIL: a case with Mayor, Council or CAO involvement is closed only by Customer Care, even one that
    # would close as it is recorded: taken by anyone else, it stays open for Customer Care to close.
    held_open = case.council_involved and actor is not None and not actor.has_perm("cases.close_council_case")
    if held_open:
        pass
    elif case.kind == Kind.FEEDBACK:
        # Routed so the department sees it, but feedback owes no reply: the follow-up routing started ends now.
        clocks.cancel(work=work, case=case)
        record_closure(
            work=work,
            case=case,
            actor=actor,
            actor_label=label,
            resolution=Resolution.NO_RESPONSE_OWED,
            note="Feedback recorded; no response owed (PK-DEF).",
        )
    elif not investigate:
        record_closure(
            work=work,
            case=case,
            actor=actor,
            actor_label=label,
            resolution=Resolution.NOT_INVESTIGATED,
            note="Recorded, not investigated (PK-ANON).",
        )
    if receipt is not None:
        _send_receipt(work, case, receipt, actor=actor, actor_label=label)
    if idempotency is not None:
        IdempotencyKey.objects.create(
            jurisdiction=jurisdiction,
            client=idempotency.client,
            key=idempotency.key,
            fingerprint=idempotency.fingerprint,
            case=case,
            created_at=work.now,
        )
    return Intake(case, True, missing, commitments=work.added_commitments(case))


def _send_receipt(work: UnitOfWork, case: Case, receipt: Receipt, *, actor: User | None, actor_label: str) -> None:
    """The resident's receipt with the reference number and what to expect, journaled when an email was queued."""
    acknowledge = work.open_commitments(case, [Purpose.ACKNOWLEDGE])
    queued = notifications.receipt(
        work=work,
        case=case,
        status_url=receipt.status_url,
        acknowledge_by=acknowledge[0].due_at if acknowledge else None,
    )
    if queued:
        journal.append(
            work=work,
            case=case,
            action=Action.NOTE,
            actor=actor,
            actor_label=actor_label,
            note="Receipt with the reference number queued to the resident by email.",
            data={"message": "receipt"},
        )


def _insert_with_fresh_reference(**fields: Any) -> Case:
    """Insert the case under a random reference, drawing again if it is taken (1 in 90 with a million cases)."""
    for attempt in range(REFERENCE_ATTEMPTS):
        reference = references.new_reference()
        try:
            with transaction.atomic():  # a savepoint: a taken reference rolls back only this insert
                return Case.objects.create(reference=reference, **fields)
        except IntegrityError:
            taken = Case.objects.filter(reference=reference).exists()
            if not taken or attempt == REFERENCE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _existing_contact(jurisdiction: Jurisdiction, details: ContactDetails) -> Contact:
    """The contact on file, with any detail the resident gave anew brought up to date (PK-PRIV: same table, same rules)."""
    row = (
        Contact.objects.select_for_update().filter(jurisdiction=jurisdiction, pk=details.existing).first()
        if details.existing is not None
        else None
    )
    if row is None:
        raise InvalidInput("no such contact on file in this city", field="contact.existing")
    changed = []
    for name in ("title", "name", "organisation", "email", "phone", "address", "language"):
        value = getattr(details, name).strip()
        if value and value != getattr(row, name):
            setattr(row, name, value)
            changed.append(name)
    if details.interpreter_requested and not row.interpreter_requested:
        row.interpreter_requested = True
        changed.append("interpreter_requested")
    if changed:
        row.save(update_fields=changed)
        search.rebuild_for_contact(row)  # their earlier cases are found by what they gave now
    return row
