"""PK-ACK-1BD, PK-HAZARD, PK-FOLLOW: what a caller is promised is what intake then starts, from the same rule."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest

from civicdesk.domain.cases import actions, clocks, standing
from civicdesk.domain.cases.models import Channel, Kind
from civicdesk.domain.people.models import Contact
from civicdesk.platform import timesource
from tests.fixtures.city import City
from tests.fixtures.clock import local

NOW = local(2026, 11, 20, 15)  # a Friday afternoon: every clock crosses a weekend
IDENTIFIED = actions.ContactDetails(name="Pat Resident", phone="905-555-0101")
ANONYMOUS = actions.ContactDetails(email="someone@example.org")  # a way to reach them, but no name
# Pickering's standards differ by these channels (callbacks, email, letters); the others are as by phone.
CHANNELS = (Channel.PHONE, Channel.VOICEMAIL, Channel.EMAIL, Channel.LETTER)


def _earliest(case: Any) -> dict[str, tuple[str, Any]]:
    """Each purpose's earliest commitment: (standard, due) — what a caller is told for that purpose."""
    found: dict[str, tuple[str, Any]] = {}
    for commitment in case.commitments.order_by("due_at", "pk"):
        found.setdefault(commitment.purpose, (commitment.standard, commitment.due_at))
    return found


@pytest.mark.parametrize(
    ("kind", "service"),
    [
        (kind, service)
        for kind in Kind.values
        for service in ("POTHOLE", "GRAFFITI", None)
        if service or kind in (Kind.INQUIRY, Kind.FEEDBACK)  # complaints and requests need one (PK-ROUTE)
    ],
)
def test_pk_ack_1bd_the_promise_is_the_clocks_intake_starts(city: City, kind: str, service: str | None) -> None:
    profile = clocks.profile_for(city.jurisdiction)
    with timesource.frozen_at(NOW):
        for channel, contact in product(CHANNELS, (IDENTIFIED, ANONYMOUS)):
            case = actions.create_case(
                jurisdiction=city.jurisdiction,
                actor=city.staff("csr.alex"),
                kind=kind,
                channel=channel,
                service=city.service(service) if service else None,
                description="What the caller said.",
                contact=contact,
            ).case
            caller = Contact(name=contact.name, email=contact.email, phone=contact.phone)
            investigate = standing.would_investigate(
                kind=kind, identified=caller.identified, third_party_unidentified=False, safety_threat=False
            )
            assert investigate == case.investigate  # PK-ANON decided alike before and after
            promised = standing.promised_at_intake(
                profile,
                kind=kind,
                channel=channel,
                hazard=case.hazard,
                investigate=investigate,
                has_service=service is not None,
                now=NOW,
            )
            told = {p.purpose: (p.standard.id, p.due_at) for p in promised}
            started = _earliest(case) if case.is_open else {}
            assert told == started, (kind, channel, service, contact)
