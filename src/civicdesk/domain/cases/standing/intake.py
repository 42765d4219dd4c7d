"""What a new case owes from the start, and what intake must ask — rules over plain values.

The intake action starts the clocks :func:`owed_at_intake` names; the caller
is told :func:`promised_at_intake`, computed from the same rule, before the
case exists. The guidance a CSR sees while taking the call asks for what
:func:`missing_details` lists (PK-CHANNELS) and warns when
:func:`would_investigate` says no (PK-ANON).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from civicdesk.domain.cases.models import Case, Kind, Purpose
from civicdesk.engines import standards
from civicdesk.engines.standards import CaseFacts, Profile, Standard

# Standards whose clock starts at receipt and that a new case owes from the start, where their condition holds.
INTAKE_PURPOSES = (Purpose.ACKNOWLEDGE, Purpose.INSPECT, Purpose.RESPOND, Purpose.INTERIM, Purpose.CALLBACK)
# The order a caller is told what to expect.
PROMISE_ORDER = (
    Purpose.ACKNOWLEDGE,
    Purpose.CALLBACK,
    Purpose.INSPECT,
    Purpose.INTERIM,
    Purpose.RESPOND,
    Purpose.FOLLOW_UP,
)
# PK-CHANNELS: what a complaint record holds, in the order the CSR asks for it.
COMPLAINT_DETAILS = ("description", "occurred_at", "people_involved", "outcome_sought", "contact")


def would_investigate(
    *, kind: str, identified: bool, third_party_unidentified: bool, safety_threat: bool, allegation: bool = False
) -> bool:
    """PK-ANON: anonymous allegations, or ones made for an unidentified third party, are recorded, not investigated,
    unless they are an immediate threat to safety.

    An allegation is any complaint, and a service request for a service whose reports allege wrongdoing
    (``allegation``: Service.alleges_wrongdoing, e.g. a neighbour's noise or parking), however it is filed.
    ``identified``: a name and a way to reach them (Contact.identified).
    """
    alleges = kind == Kind.COMPLAINT or (kind == Kind.SERVICE_REQUEST and allegation)
    return safety_threat or not (alleges and (not identified or third_party_unidentified))


def purpose_of(standard: Standard) -> Purpose | None:
    return Purpose(standard.purpose) if standard.purpose else None


def owed_at_intake(
    profile: Profile,
    *,
    kind: str,
    channel: str,
    hazard: bool,
    investigate: bool,
    received_at: datetime,
    safety_threat: bool = False,
    long_answer_expected: bool = False,
) -> list[tuple[Purpose, Standard]]:
    """The clocks a case owes from receipt (PK-ACK-1BD, PK-HAZARD, PK-CALLBACK, PK-EMAIL-*, PK-MAIL-*, MB-LETTER…).

    A standard with a condition is owed only where it holds of these facts
    (SA-AFTER: a call outside business hours; PK-HAZARD: a hazard;
    PK-MAIL-INTERIM: an answer expected late). Feedback owes no response
    (PK-DEF) and a complaint recorded but not investigated owes nothing (PK-ANON).
    """
    if kind == Kind.FEEDBACK or not investigate:
        return []
    facts = CaseFacts(
        received_at=received_at,
        hazard=hazard,
        immediate_threat=safety_threat,
        long_answer_expected=long_answer_expected,
    )
    owed = []
    for standard in profile.owed_to(kind, channel, facts):
        purpose = purpose_of(standard)
        if standard.starts == "received" and purpose in INTAKE_PURPOSES:
            owed.append((purpose, standard))
    return owed


def owed_if_answer_late(profile: Profile, *, case: Case) -> list[tuple[Purpose, Standard]]:
    """The clocks a case would owe once staff expect its answer late (PK-MAIL-INTERIM), counted from receipt."""
    if not case.is_open:
        return []
    return [
        (purpose, standard)
        for purpose, standard in owed_at_intake(
            profile,
            kind=case.kind,
            channel=case.channel,
            hazard=case.hazard,
            investigate=case.investigate,
            received_at=case.received_at,
            safety_threat=case.safety_threat,
            long_answer_expected=True,
        )
        if standard.condition == "long_answer_expected"
    ]


def emergency_notice(profile: Profile, *, hazard: bool, safety_threat: bool, language: str) -> str | None:
    """Safety first: the profile's emergency advice ("call 911…") for a hazard or an immediate threat, else ``None``."""
    if not (hazard or safety_threat):
        return None
    return profile.emergency_notice(language)


def routed_at_intake(*, has_service: bool, investigate: bool) -> bool:
    """Whether intake sends the case straight to its service's department (PK-ROUTE)."""
    return has_service and investigate


def owed_on_routing(profile: Profile) -> Standard | None:
    """The clock a case's first routing starts: the follow-up date (PK-FOLLOW), where the profile sets one."""
    rule = profile.defaults.follow_up_rule
    return profile.standards.get(rule) if rule else None


@dataclass(frozen=True)
class Promise:
    """One thing the city promises a new case: why (purpose), under which standard, by when."""

    purpose: Purpose
    standard: Standard
    due_at: datetime


def promised_at_intake(
    profile: Profile,
    *,
    kind: str,
    channel: str,
    hazard: bool,
    investigate: bool,
    has_service: bool,
    now: datetime,
    safety_threat: bool = False,
) -> list[Promise]:
    """What to tell a caller: the clocks intake would start now, and the follow-up its routing starts.

    Nothing for feedback or a complaint recorded but not investigated: intake
    closes those at once (PK-DEF, PK-ANON). Where two standards promise the
    same thing (PK-ACK-1BD and PK-EMAIL-ACK both acknowledge an email) the
    caller is told the earlier date.
    """
    if kind == Kind.FEEDBACK or not investigate:
        return []
    owed = owed_at_intake(
        profile,
        kind=kind,
        channel=channel,
        hazard=hazard,
        investigate=investigate,
        received_at=now,
        safety_threat=safety_threat,
    )
    follow_up = owed_on_routing(profile) if routed_at_intake(has_service=has_service, investigate=investigate) else None
    if follow_up is not None:
        owed.append((Purpose.FOLLOW_UP, follow_up))
    earliest: dict[Purpose, Promise] = {}
    for purpose, standard in owed:
        due = standards.due(profile, standard.id, now).due_at.astimezone(UTC)
        if purpose not in earliest or due < earliest[purpose].due_at:
            earliest[purpose] = Promise(purpose, standard, due)
    return [earliest[p] for p in PROMISE_ORDER if p in earliest]


def missing_details(
    *,
    kind: str,
    description: str,
    occurred_at: datetime | str | None,
    people_involved: str,
    outcome_sought: str,
    has_contact: bool,
) -> list[str]:
    """PK-CHANNELS: the parts of a complaint record still missing (keys of :data:`COMPLAINT_DETAILS`).

    Shown to the CSR, never a rejection. Works on a form's raw values before
    the case exists (``occurred_at`` as typed) and on a case's own.
    """
    if kind != Kind.COMPLAINT:
        return []
    present = {
        "description": bool(description.strip()),
        "occurred_at": bool(occurred_at.strip()) if isinstance(occurred_at, str) else occurred_at is not None,
        "people_involved": bool(people_involved.strip()),
        "outcome_sought": bool(outcome_sought.strip()),
        "contact": has_contact,
    }
    return [key for key in COMPLAINT_DETAILS if not present[key]]


def missing_details_of(case: Case) -> list[str]:
    """:func:`missing_details` of a recorded case."""
    return missing_details(
        kind=case.kind,
        description=case.description,
        occurred_at=case.occurred_at,
        people_involved=case.people_involved,
        outcome_sought=case.outcome_sought,
        has_contact=case.contact_id is not None,
    )
