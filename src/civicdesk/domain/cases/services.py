"""Every change to a case, one function per transition (DESIGN.md "One write path per state change").

Each function is keyword-only, takes the acting staff member (``None`` for
the system or a resident on a public channel, with ``actor_label``), runs in
one transaction with the case row locked, writes its journal entry in that
transaction and queues notifications to the outbox there too. The desk, both
APIs, mail intake, importers and the sweep all call these.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Model

from civicdesk.domain.cases import clocks, journal, notifications
from civicdesk.domain.cases.access import require
from civicdesk.domain.cases.errors import InvalidInput, TransitionRefused
from civicdesk.domain.cases.models import (
    Action,
    Case,
    CaseItem,
    Channel,
    FeedbackType,
    FollowUpRequest,
    IdempotencyKey,
    Kind,
    Purpose,
    Resolution,
    Status,
)
from civicdesk.domain.cases.references import new_reference
from civicdesk.domain.city.models import Department, Jurisdiction, Service
from civicdesk.domain.people.models import Contact
from civicdesk.domain.staff.models import User
from civicdesk.platform import timesource

if TYPE_CHECKING:
    from civicdesk.domain.cases.batch import Batch

COMPLAINT_DETAILS = {
    "description": "what happened",
    "occurred_at": "date and time of occurrence",
    "people_involved": "who was involved",
    "outcome_sought": "outcome sought",
    "contact": "contact details",
}
MAX_DESCRIPTION = 10_000
COORDINATE_PLACES = Decimal("0.000001")
CLOSING_ENDS = (Purpose.COMPLETE, Purpose.FOLLOW_UP, Purpose.TIMELINE_NOTICE)


@dataclass(frozen=True)
class ContactDetails:
    name: str = ""
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
class Intake:
    case: Case
    created: bool
    missing_details: list[str]


def _locked(case: Case) -> Case:
    """The case re-read with its row locked for the rest of the transaction."""
    return Case.objects.select_for_update(of=("self",)).select_related("jurisdiction", "department").get(pk=case.pk)


@contextmanager
def _changing(case: Case) -> Iterator[Case]:
    """One transition: a transaction holding the case's lock; on success the clock summary is refreshed."""
    with transaction.atomic():
        locked = _locked(case)
        yield locked
        clocks.refresh(locked)


def _require_open(case: Case, doing: str) -> None:
    if case.status != Status.OPEN:
        raise TransitionRefused(f"case {case.reference} is closed; reopen it before you {doing}", code="case_closed")


def _touch(case: Case, now: datetime, *fields: str) -> None:
    case.updated_at = now
    case.save(update_fields=[*fields, "updated_at"])


def missing_complaint_details(case: Case) -> list[str]:
    """PK-CHANNELS: the parts of a complaint record still missing (shown to the CSR, never a rejection)."""
    if case.kind != Kind.COMPLAINT:
        return []
    present = {
        "description": bool(case.description.strip()),
        "occurred_at": case.occurred_at is not None,
        "people_involved": bool(case.people_involved.strip()),
        "outcome_sought": bool(case.outcome_sought.strip()),
        "contact": case.contact_id is not None,
    }
    return [label for key, label in COMPLAINT_DETAILS.items() if not present[key]]


# --- intake ----------------------------------------------------------------------------


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
) -> Intake:
    """Record a contact as a case and start the clocks its standards owe (PK-DEF, PK-CHANNELS, PK-ACK-1BD, PK-ANON).

    A letter received Tuesday and entered Thursday passes ``received_at`` of
    Tuesday: every clock counts from receipt. Anonymous allegations and ones
    for an unidentified third party are recorded but not investigated unless
    flagged as an immediate threat to safety.
    """
    require(actor, "cases.add_case")
    now = timesource.now()
    _check_length(Case, "address", address, "address")
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
    if idempotency is not None:
        existing = _replayed(jurisdiction, idempotency)
        if existing is not None:
            return Intake(existing, False, missing_complaint_details(existing))
    try:
        with transaction.atomic():
            return _create_case(
                jurisdiction=jurisdiction,
                actor=actor,
                actor_label=actor_label,
                kind=kind,
                channel=channel,
                description=description.strip(),
                service=service,
                received_at=received_at,
                now=now,
                contact=contact,
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
                idempotency=idempotency,
            )
    except IntegrityError:
        # Two retries raced: the other committed first, so its case is the answer.
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
    for name, value in (("received_at", received_at), ("occurred_at", occurred_at)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(f"{name} needs a time zone offset, e.g. 2026-11-23T10:00:00-05:00", field=name)
        if value is not None and value > now:
            raise InvalidInput(f"{name} is in the future", field=name)
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
    return (received_at or now).astimezone(UTC)


def _check_length(model: type[Model], name: str, value: str, field: str) -> None:
    limit = getattr(model._meta.get_field(name), "max_length", None)
    if limit is not None and len(value or "") > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)


def _validated_contact(contact: ContactDetails, jurisdiction: Jurisdiction) -> None:
    for name in ("name", "organisation", "email", "phone", "address"):
        _check_length(Contact, name, getattr(contact, name), f"contact.{name}")
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


def _create_case(
    *,
    jurisdiction: Jurisdiction,
    actor: User | None,
    actor_label: str | None,
    now: datetime,
    contact: ContactDetails | None,
    idempotency: Idempotency | None,
    **fields: Any,
) -> Intake:
    contact_row = None
    if contact is not None and contact.existing is not None:
        contact_row = _existing_contact(jurisdiction, contact)
    elif contact is not None and not contact.empty:
        contact_row = Contact.objects.create(
            jurisdiction=jurisdiction,
            name=contact.name.strip(),
            organisation=contact.organisation.strip(),
            email=contact.email.strip(),
            phone=contact.phone.strip(),
            address=contact.address.strip(),
            language=contact.language or fields["language"],
            interpreter_requested=contact.interpreter_requested,
        )
    anonymous = contact_row is None or not contact_row.identified
    investigate = fields["safety_threat"] or not (
        fields["kind"] == Kind.COMPLAINT and (anonymous or fields["third_party_unidentified"])
    )
    case = _insert_with_fresh_reference(
        jurisdiction=jurisdiction,
        contact=contact_row,
        entered_at=now,
        updated_at=now,
        investigate=investigate,
        **fields,
    )
    label = actor_label or journal.actor_label_for(actor, "resident")
    missing = missing_complaint_details(case)
    journal.append(
        case=case,
        action=Action.CREATED,
        actor=actor,
        actor_label=label,
        public=True,
        note="Received."
        if investigate
        else "Recorded. Anonymous allegations are not investigated unless they are an immediate threat to safety (PK-ANON).",
        data={
            "kind": case.kind,
            "channel": case.channel,
            "service": case.service.code if case.service else None,
            "received_at": case.received_at.isoformat(),
            "entered_at": now.isoformat(),
            "investigate": investigate,
            "missing_details": missing,
        },
    )
    for purpose, standard in clocks.intake_standards(clocks.profile_for(jurisdiction), case):
        clocks.start_clock(case, purpose=purpose, standard_id=standard.id, start=case.received_at)
    if case.service is not None and investigate:
        _route(case, department=case.service.department, actor=actor, actor_label=label, reason="", now=now)
    if case.kind == Kind.FEEDBACK:
        _close(
            case,
            actor=actor,
            actor_label=label,
            resolution=Resolution.NO_RESPONSE_OWED,
            note="Feedback recorded; no response owed (PK-DEF).",
            now=now,
        )
    elif not investigate:
        _close(
            case,
            actor=actor,
            actor_label=label,
            resolution=Resolution.NOT_INVESTIGATED,
            note="Recorded, not investigated (PK-ANON).",
            now=now,
        )
    clocks.refresh(case)
    if idempotency is not None:
        IdempotencyKey.objects.create(
            jurisdiction=jurisdiction,
            client=idempotency.client,
            key=idempotency.key,
            fingerprint=idempotency.fingerprint,
            case=case,
            created_at=now,
        )
    return Intake(case, True, missing)


REFERENCE_ATTEMPTS = 8


def _insert_with_fresh_reference(**fields: Any) -> Case:
    """Insert the case under a random reference, drawing again if it is taken (1 in 90 with a million cases)."""
    for attempt in range(REFERENCE_ATTEMPTS):
        reference = new_reference()
        try:
            with transaction.atomic():  # a savepoint: a taken reference rolls back only this insert
                case = Case.objects.create(reference=reference, **fields)
            journal.starts_empty(case)
            return case
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
    for name in ("name", "organisation", "email", "phone", "address", "language"):
        value = getattr(details, name).strip()
        if value and value != getattr(row, name):
            setattr(row, name, value)
            changed.append(name)
    if details.interpreter_requested and not row.interpreter_requested:
        row.interpreter_requested = True
        changed.append("interpreter_requested")
    if changed:
        row.save(update_fields=changed)
    return row


def redirect_case(*, case: Case, actor: User | None, reason: str, redirect_to: str) -> Case:
    """PK-SCOPE / PB-RESOURCE: close an out-of-scope matter as redirected, saying why and where to go."""
    if not reason.strip():
        raise InvalidInput("say why the matter is out of scope", field="reason", rule="PK-SCOPE")
    if not redirect_to.strip():
        raise InvalidInput("say where the resident should go instead", field="redirect_to", rule="PB-RESOURCE")
    with _changing(case) as case:
        require(actor, "cases.close_case", case)
        _require_open(case, "redirect it")
        now = timesource.now()
        case.redirect_to = redirect_to.strip()
        case.save(update_fields=["redirect_to"])
        clocks.cancel(case)
        _close(
            case,
            actor=actor,
            actor_label=None,
            resolution=Resolution.REDIRECTED,
            note=f"Out of scope: {reason.strip()} Please contact: {redirect_to.strip()}",
            now=now,
        )
        return case


# --- routing and assignment ------------------------------------------------------------------


def route_case(*, case: Case, actor: User | None, department: Department, reason: str = "") -> Case:
    """PK-ROUTE: send the case to the responsible department; a re-route needs a reason."""
    with _changing(case) as case:
        require(actor, "cases.route_case", case)
        _require_open(case, "route it")
        if department.jurisdiction_id != case.jurisdiction_id or not department.active:
            raise InvalidInput(
                f"department {department.code!r} is not an active department of this city", field="department"
            )
        if case.department_id == department.pk:
            raise TransitionRefused(f"the case is already with {department.name}", field="department", code="no_change")
        if case.department_id is not None and not reason.strip():
            raise InvalidInput("say why the case is re-routed", field="reason", rule="PK-ROUTE")
        _route(case, department=department, actor=actor, actor_label=None, reason=reason.strip(), now=timesource.now())
        return case


def _route(
    case: Case, *, department: Department, actor: User | None, actor_label: str | None, reason: str, now: datetime
) -> None:
    previous = case.department
    first_routing = case.routed_at is None
    case.department = department
    case.routed_at = now
    if case.assignee is not None and case.assignee.department_id != department.pk:
        case.assignee = None
    _touch(case, now, "department", "routed_at", "assignee")
    journal.append(
        case=case,
        action=Action.ROUTED,
        actor=actor,
        actor_label=actor_label,
        note=reason,
        public=True,
        data={"department": department.code, "from": previous.code if previous else None},
    )
    if first_routing:
        profile = clocks.profile_for(case.jurisdiction)
        follow = profile.defaults.follow_up_rule
        if follow:
            clocks.start_clock(case, purpose=Purpose.FOLLOW_UP, standard_id=follow, start=now, sequence=1)


def assign_case(*, case: Case, actor: User | None, assignee: User | None) -> Case:
    with _changing(case) as case:
        require(actor, "cases.assign_case", case)
        _require_open(case, "assign it")
        if assignee is not None:
            if assignee.jurisdiction_id != case.jurisdiction_id or not assignee.is_active:
                raise InvalidInput("the assignee is not active staff of this city", field="assignee")
            if case.department_id and assignee.department_id != case.department_id:
                raise InvalidInput(
                    "the assignee works in another department; re-route the case first", field="assignee"
                )
        case.assignee = assignee
        _touch(case, timesource.now(), "assignee")
        journal.append(
            case=case,
            action=Action.ASSIGNED,
            actor=actor,
            data={"assignee": assignee.get_username() if assignee else None},
        )
        return case


# --- acknowledgement and department updates -------------------------------------------------


def acknowledge_case(*, case: Case, actor: User | None, message: str) -> Case:
    """PK-ACK-1BD: the acknowledgement states the anticipated action and timeline."""
    if not message.strip():
        raise InvalidInput(
            "the acknowledgement states the anticipated action and timeline", field="message", rule="PK-ACK-1BD"
        )
    with _changing(case) as case:
        require(actor, "cases.acknowledge_case", case)
        _require_open(case, "acknowledge it")
        now = timesource.now()
        met = clocks.meet(case, [Purpose.ACKNOWLEDGE], now)
        case.acknowledged_at = case.acknowledged_at or now
        case.public_note = message.strip()
        _touch(case, now, "acknowledged_at", "public_note")
        journal.append(
            case=case,
            action=Action.ACKNOWLEDGED,
            actor=actor,
            note=message.strip(),
            public=True,
            data={"met": [c.standard for c in met]},
        )
        notifications.to_resident(
            case,
            kind="acknowledgement",
            subject=f"We received your request {case.reference}",
            body=message.strip(),
            dedupe=None,
        )
        return case


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
    if timeline is not None and timeline.tzinfo is None:
        raise InvalidInput("timeline needs a time zone offset", field="timeline")
    with _changing(case) as case:
        require(actor, "cases.record_update", case)
        _require_open(case, "record an update")
        now = timesource.now()
        if timeline is not None and timeline <= now:
            raise InvalidInput("the timeline must be in the future", field="timeline")
        purposes = [Purpose.FOLLOW_UP]
        if update == "inspected":
            purposes.append(Purpose.INSPECT)
        if update == "resident_advised":
            purposes += [Purpose.RESPOND, Purpose.INTERIM, Purpose.CALLBACK, Purpose.ACKNOWLEDGE]
        met = clocks.meet(case, purposes, now)
        if update == "action_planned" and timeline is not None:
            if clocks.open_commitments(case, [Purpose.COMPLETE]):
                raise TransitionRefused(
                    "the case already has a timeline; change it with a reason (PK-MISS)",
                    field="timeline",
                    rule="PK-MISS",
                )
            _set_timeline(case, timeline)
        if public or update == "resident_advised":
            case.public_note = note.strip()
        _touch(case, now, "public_note")
        journal.append(
            case=case,
            action=UPDATE_ACTIONS[update],
            actor=actor,
            note=note.strip(),
            public=public or update == "resident_advised",
            data={"met": [c.standard for c in met], "timeline": timeline.isoformat() if timeline else None},
        )
        _schedule_next_follow_up(case, now, after=timeline)
        return case


def _set_timeline(case: Case, timeline: datetime) -> None:
    clocks.fixed_clock(
        case,
        purpose=Purpose.COMPLETE,
        rule="PK-UPDATE",
        due_at=timeline.astimezone(UTC),
        reason="the department's agreed timeline",
    )
    profile = clocks.profile_for(case.jurisdiction)
    notice = profile.defaults.timeline_notice_rule
    if notice:
        clocks.start_clock(case, purpose=Purpose.TIMELINE_NOTICE, standard_id=notice, start=timeline)


def _schedule_next_follow_up(case: Case, now: datetime, *, after: datetime | None) -> None:
    """After an update, Customer Care follows up again on the agreed date (the timeline), else after the default period."""
    if clocks.open_commitments(case, [Purpose.FOLLOW_UP]) or case.department_id is None:
        return
    profile = clocks.profile_for(case.jurisdiction)
    if after is not None:
        clocks.fixed_clock(
            case,
            purpose=Purpose.FOLLOW_UP,
            rule=profile.defaults.follow_up_rule or "PK-FOLLOW",
            due_at=after,
            reason="follow up on the agreed date",
            sequence=1,
        )
    elif profile.defaults.follow_up_rule:
        clocks.start_clock(
            case, purpose=Purpose.FOLLOW_UP, standard_id=profile.defaults.follow_up_rule, start=now, sequence=1
        )
    case.follow_up_requests = 0
    case.save(update_fields=["follow_up_requests"])


def change_timeline(*, case: Case, actor: User | None, timeline: datetime, reason: str) -> Case:
    """PK-MISS: a new timeline with the reason; the resident is told; the old date stays in the journal."""
    if not reason.strip():
        raise InvalidInput(
            "say why the timeline changes; the resident is told the reason", field="reason", rule="PK-MISS"
        )
    if timeline.tzinfo is None:
        raise InvalidInput("timeline needs a time zone offset", field="timeline")
    with _changing(case) as case:
        require(actor, "cases.change_timeline", case)
        _require_open(case, "change its timeline")
        now = timesource.now()
        if timeline <= now:
            raise InvalidInput("the new timeline must be in the future", field="timeline", rule="PK-MISS")
        old = clocks.open_commitments(case, [Purpose.COMPLETE])
        clocks.cancel(case, [Purpose.COMPLETE])
        clocks.meet(case, [Purpose.TIMELINE_NOTICE], now)  # the resident is being told now
        clocks.cancel(case, [Purpose.FOLLOW_UP])
        _set_timeline(case, timeline)
        case.public_note = reason.strip()
        _touch(case, now, "public_note")
        journal.append(
            case=case,
            action=Action.TIMELINE_CHANGED,
            actor=actor,
            note=reason.strip(),
            public=True,
            data={"from": [c.due_at.isoformat() for c in old], "to": timeline.astimezone(UTC).isoformat()},
        )
        local = timeline.astimezone(clocks.profile_for(case.jurisdiction).calendar.tz)
        notifications.to_resident(
            case,
            kind="timeline_changed",
            subject=f"New timeline for {case.reference}",
            body=f"{reason.strip()}\n\nThe new anticipated completion date is {local:%A %d %B %Y}.",
            dedupe=None,
        )
        _schedule_next_follow_up(case, now, after=timeline)
        return case


# --- follow-up requests and the ladder (PK-FOLLOW, PK-ESC) --------------------------------------


def request_follow_up(*, case: Case, actor: User | None, scheduled_for: datetime | None = None) -> FollowUpRequest:
    """Send the next follow-up request to the department; the profile's ladder decides who is copied and when the next is due."""
    with _changing(case) as case:
        require(actor, "cases.request_follow_up", case)
        _require_open(case, "follow it up")
        if case.department_id is None:
            raise TransitionRefused("route the case to a department before following it up", rule="PK-FOLLOW")
        return _send_follow_up_request(case, actor=actor, at=scheduled_for or timesource.now())


def _send_follow_up_request(
    case: Case, *, actor: User | None, at: datetime, batch: Batch | None = None
) -> FollowUpRequest:
    """Send request number ``case.follow_up_requests + 1``; with a ``batch`` (the sweep) its rows are written at flush."""
    from civicdesk.engines import standards

    profile = clocks.profile_for(case.jurisdiction)
    ladder = profile.escalation
    number = case.follow_up_requests + 1
    clocks.cancel(case, [Purpose.FOLLOW_UP], batch=batch)  # superseded by the next request's clock
    copied_roles = ladder.copied_on(number) if ladder else ()
    newly_copied = ladder.step(number).copy if ladder and number <= len(ladder.steps) else ()
    copied = notifications.staff_in_roles(case, copied_roles)
    next_request = standards.next_follow_up_request(profile, number, at) if ladder else None
    request = FollowUpRequest(
        jurisdiction_id=case.jurisdiction_id,
        case=case,
        number=number,
        sent_at=at,
        sent_by=actor,
        copied_roles=list(copied_roles),
        next_due_at=next_request.due_at.astimezone(UTC) if next_request else None,
    )
    case.follow_up_requests = number
    if batch is not None:
        batch.add_request(request, copied)
        batch.touch(case)
    else:
        request.save()
        request.copied.set(copied)
        _touch(case, timesource.now(), "follow_up_requests")
    data = {
        "number": number,
        "scheduled_for": at.isoformat(),
        "copied_roles": list(copied_roles),
        "copied": [u.get_username() for u in copied],
        "next_request_due": request.next_due_at.isoformat() if request.next_due_at else None,
    }
    journal.append(
        case=case,
        action=Action.FOLLOW_UP_REQUESTED,
        actor=actor,
        actor_label=None if actor else "Customer Care (automatic)",
        data=data,
        batch=batch,
    )
    if newly_copied:
        journal.append(
            case=case,
            action=Action.ESCALATED,
            actor=actor,
            actor_label=None if actor else "Customer Care (automatic)",
            data={**data, "newly_copied": list(newly_copied)},
            batch=batch,
        )
    if next_request is not None:
        clocks.fixed_clock(
            case,
            purpose=Purpose.FOLLOW_UP,
            rule=ladder.rule if ladder else "PK-ESC",
            due_at=next_request.due_at,
            reason=f"follow-up request {number + 1}",
            sequence=number + 1,
            batch=batch,
        )
    notifications.follow_up_request(case, request, copied, batch=batch)
    return request


# --- items, pauses, duplicates -------------------------------------------------------------------


def add_item(*, case: Case, actor: User | None, description: str) -> CaseItem:
    if not description.strip():
        raise InvalidInput("describe the item to be done", field="description")
    _check_length(CaseItem, "description", description.strip(), "description")
    with _changing(case) as case:
        require(actor, "cases.record_update", case)
        _require_open(case, "add an item")
        now = timesource.now()
        item = CaseItem.objects.create(
            jurisdiction_id=case.jurisdiction_id, case=case, description=description.strip(), created_at=now
        )
        _touch(case, now)
        journal.append(case=case, action=Action.ITEM_ADDED, actor=actor, note=item.description, data={"item": item.pk})
        return item


def complete_item(*, item: CaseItem, actor: User | None, note: str = "") -> CaseItem:
    with _changing(item.case) as case:
        require(actor, "cases.record_update", case)
        _require_open(case, "complete an item")
        item = CaseItem.objects.select_for_update().get(pk=item.pk)
        if item.done_at is not None:
            raise TransitionRefused("this item is already done", code="no_change")
        now = timesource.now()
        item.done_at, item.done_by = now, actor
        item.save(update_fields=["done_at", "done_by"])
        _touch(case, now)
        journal.append(
            case=case, action=Action.ITEM_DONE, actor=actor, note=note or item.description, data={"item": item.pk}
        )
        return item


def pause_clocks(*, case: Case, actor: User | None, reason: str) -> Case:
    """Waiting on the resident: paused time does not count against the standards."""
    if not reason.strip():
        raise InvalidInput("say what the city is waiting for", field="reason")
    with _changing(case) as case:
        require(actor, "cases.record_update", case)
        _require_open(case, "pause its clocks")
        now = timesource.now()
        paused = clocks.pause(case, now)
        if not paused:
            raise TransitionRefused("no running clock to pause", code="no_change")
        _touch(case, now)
        journal.append(
            case=case,
            action=Action.PAUSED,
            actor=actor,
            note=reason.strip(),
            data={"standards": [c.standard for c in paused]},
        )
        return case


def resume_clocks(*, case: Case, actor: User | None) -> Case:
    with _changing(case) as case:
        require(actor, "cases.record_update", case)
        _require_open(case, "resume its clocks")
        now = timesource.now()
        resumed = clocks.resume(case, now)
        if not resumed:
            raise TransitionRefused("no paused clock to resume", code="no_change")
        _touch(case, now)
        journal.append(
            case=case, action=Action.RESUMED, actor=actor, data={c.standard: c.due_at.isoformat() for c in resumed}
        )
        return case


def link_duplicate(*, case: Case, actor: User | None, parent: Case) -> Case:
    """Close ``case`` as a duplicate of ``parent``; the resident follows the parent case."""
    if parent.pk == case.pk:
        raise InvalidInput("a case cannot duplicate itself", field="parent")
    if parent.jurisdiction_id != case.jurisdiction_id:
        raise InvalidInput("the parent case belongs to another city", field="parent")
    with transaction.atomic():
        first, second = sorted([case.pk, parent.pk])  # lock in one order: two links never deadlock
        locked = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
        case, parent = locked[case.pk], locked[parent.pk]
        require(actor, "cases.close_case", case)
        require(actor, "cases.view_case", parent)
        _require_open(case, "link it")
        if parent.parent_id is not None:
            raise InvalidInput(
                f"{parent.reference} is itself a duplicate; link to {parent.parent.reference if parent.parent else 'its parent'}",
                field="parent",
            )
        now = timesource.now()
        case.parent = parent
        case.save(update_fields=["parent"])
        clocks.cancel(case)
        journal.append(case=parent, action=Action.LINKED_DUPLICATE, actor=actor, data={"duplicate": case.reference})
        _close(
            case,
            actor=actor,
            actor_label=None,
            resolution=Resolution.DUPLICATE,
            note=f"Duplicate of {parent.reference}.",
            now=now,
        )
        clocks.refresh(case)
        return case


# --- closing and reopening (PK-CLOSE, PK-COUNCIL, PK-OMB) -------------------------------------------


def close_case(*, case: Case, actor: User | None, note: str, resolution: str = Resolution.RESOLVED) -> Case:
    """Close a case whose every item and commitment is done; refuse with the list of what is open."""
    if resolution not in (Resolution.RESOLVED, Resolution.NOT_INVESTIGATED):
        raise InvalidInput(
            "close with resolution 'resolved' or 'not_investigated' (redirect and duplicates have their own actions)",
            field="resolution",
        )
    if not note.strip():
        raise InvalidInput("say how the case was resolved", field="note")
    with _changing(case) as case:
        require(actor, "cases.close_case", case, rule="PK-CLOSE")
        _require_open(case, "close it again")
        _require_council_rights(case, actor, "closed")
        open_items = list(case.items.filter(done_at__isnull=True).order_by("pk"))
        # Closing is the completion: it meets the agreed timeline (late if already missed);
        # follow-ups and notices simply end. Everything else owed must be done first.
        owed = [c for c in clocks.still_owed(case) if c.purpose not in CLOSING_ENDS]
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
        now = timesource.now()
        clocks.meet(case, [Purpose.COMPLETE], now)
        clocks.cancel(case)  # follow-ups and notices end with the case
        _close(case, actor=actor, actor_label=None, resolution=resolution, note=note.strip(), now=now)
        return case


def _close(
    case: Case, *, actor: User | None, actor_label: str | None, resolution: str, note: str, now: datetime
) -> None:
    case.status = Status.CLOSED
    case.resolution = resolution
    case.closed_at = now
    case.public_note = note
    _touch(case, now, "status", "resolution", "closed_at", "public_note")
    data: dict[str, Any] = {"resolution": resolution}
    if case.kind == Kind.COMPLAINT:
        data["ombudsman"] = ombudsman_information(case.jurisdiction)  # PK-OMB
    journal.append(
        case=case, action=Action.CLOSED, actor=actor, actor_label=actor_label, note=note, public=True, data=data
    )
    if case.kind == Kind.COMPLAINT and case.contact_id and resolution != Resolution.NOT_INVESTIGATED:
        notifications.to_resident(
            case,
            kind="closed",
            subject=f"Your complaint {case.reference} is closed",
            body=f"{note}\n\nIf you are not satisfied: {data['ombudsman']}",
            dedupe=f"closed:{case.pk}:{now.isoformat()}",
        )


def _require_council_rights(case: Case, actor: User | None, done: str) -> None:
    """PK-COUNCIL: cases with Mayor, Council or CAO involvement are closed and reopened only by Customer Care."""
    if case.council_involved and actor is not None and not actor.has_perm("cases.close_council_case"):
        raise TransitionRefused(
            f"cases with Mayor, Council or CAO involvement are {done} only by Customer Care",
            rule="PK-COUNCIL",
            code="council_case",
        )


def ombudsman_information(jurisdiction: Jurisdiction) -> str:
    return jurisdiction.ombudsman_information or (
        "If you are not satisfied with how your complaint was handled, you may contact the Ombudsman for your "
        "municipality, or ask Customer Care about your other options."
    )


def reopen_case(*, case: Case, actor: User | None, reason: str) -> Case:
    if not reason.strip():
        raise InvalidInput("say why the case is reopened", field="reason")
    with _changing(case) as case:
        require(actor, "cases.close_case", case)
        if case.status != Status.CLOSED:
            raise TransitionRefused("the case is already open", code="no_change")
        _require_council_rights(case, actor, "reopened")
        now = timesource.now()
        case.status, case.resolution, case.closed_at = Status.OPEN, "", None
        case.parent = None
        _touch(case, now, "status", "resolution", "closed_at", "parent")
        journal.append(case=case, action=Action.REOPENED, actor=actor, note=reason.strip(), public=True)
        if case.department_id and not clocks.open_commitments(case, [Purpose.FOLLOW_UP]):
            _schedule_next_follow_up(case, now, after=None)
        return case


def recompute_due_dates(*, jurisdiction: Jurisdiction, actor: User | None) -> int:
    """After a calendar change (a new closure, a holiday kept or dropped): recompute running clocks, journaled.

    Each case's recomputation is its own transaction with the case locked;
    returns how many commitments moved.
    """
    require(actor, "city.manage_standards")
    clocks.profile_named.cache_clear()  # read the profile as it is now
    profile = clocks.profile_for(jurisdiction)
    stale = (
        Case.objects.filter(jurisdiction=jurisdiction, status=Status.OPEN, commitments__state__in=("pending", "paused"))
        .exclude(commitments__calendar_version=profile.calendar.version)
        .values_list("pk", flat=True)
        .distinct()
    )
    moved = 0
    for pk in list(stale):
        with transaction.atomic():
            case = Case.objects.select_for_update(of=("self",)).select_related("jurisdiction").get(pk=pk)
            changed = clocks.recompute(case, profile)
            clocks.refresh(case)
            if changed:
                moved += len(changed)
                journal.append(
                    case=case,
                    action=Action.RECOMPUTED,
                    actor=actor,
                    data={
                        "calendar_version": profile.calendar.version,
                        "moved": [
                            {"standard": c.standard, "from": old.isoformat(), "to": c.due_at.isoformat()}
                            for c, old in changed
                        ],
                    },
                )
    return moved


__all__ = [
    "ContactDetails",
    "Idempotency",
    "Intake",
    "acknowledge_case",
    "add_item",
    "assign_case",
    "change_timeline",
    "close_case",
    "complete_item",
    "create_case",
    "link_duplicate",
    "missing_complaint_details",
    "pause_clocks",
    "recompute_due_dates",
    "record_update",
    "redirect_case",
    "reopen_case",
    "request_follow_up",
    "resume_clocks",
    "route_case",
]
