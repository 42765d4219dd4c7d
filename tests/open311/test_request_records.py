"""Open311's hand-built rows (values_list records, the per-status merge) equal the plain ORM's answer on the same data."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.channels.open311 import selectors
from civicdesk.channels.open311.selectors import Note, Private, Promise, PublicRequest, RequestFilter
from civicdesk.domain.cases import actions, standing
from civicdesk.domain.cases.models import Case, JournalEntry
from civicdesk.domain.staff.models import User
from tests.open311.conftest import Open311

pytestmark = pytest.mark.django_db


def _with_cases(o311: Open311, city: Any) -> None:
    """Reports through Open311 (submissions with media and address ids), by phone, one closed, one paused."""
    for code in ("GRAFFITI", "PARK", "SIGN"):
        response = o311.post(service_code=code, lat="43.8354", long="-79.0867", description=f"{code} report")
        assert response.status_code == 200, response.content
    csr, care = User.objects.get(username="csr.alex"), User.objects.get(username="care.admin")
    by_phone = actions.create_case(
        jurisdiction=city.jurisdiction,
        actor=csr,
        kind="complaint",
        channel="phone",
        service=city.service("POTHOLE"),
        description="Deep pothole, says Sam Okafor",
        contact=actions.ContactDetails(name="Sam Okafor", phone="905-555-0199"),
        address="Brock Rd",
    ).case
    actions.pause_clocks(case=by_phone, actor=care, waiting_on="resident", reason="Waiting for a photo")
    closed = Case.objects.get(service__code="GRAFFITI")
    actions.acknowledge_case(case=closed, actor=csr, message="Crew booked.")
    actions.close_case(case=closed, actor=care, note="Painted over.")


def _plain(case: Case, *, notes: bool) -> PublicRequest:
    """The record as the ORM gives it, one case at a time."""
    contact = case.contact
    submission = getattr(case, "open311_submission", None)
    return PublicRequest(
        pk=case.pk,
        reference=case.reference,
        status=case.status,
        public_note=case.public_note,
        description=case.description,
        channel=case.channel,
        received_at=case.received_at,
        updated_at=case.updated_at,
        address=case.address,
        latitude=case.latitude,
        longitude=case.longitude,
        parent_reference=case.parent.reference if case.parent else None,
        service_code=case.service.code if case.service else "",
        service_name=case.service.name if case.service else "",
        department_name=case.department.name if case.department else None,
        address_id=submission.address_id if submission else "",
        media=submission.media if submission else None,
        media_url=submission.media_url if submission else "",
        private=Private(
            name=contact.name if contact else "",
            organisation=contact.organisation if contact else "",
            email=contact.email if contact else "",
            phone=contact.phone if contact else "",
            address=contact.address if contact else "",
            device_id=submission.device_id if submission else "",
            account_id=submission.account_id if submission else "",
        ),
        promised=[
            Promise(c.purpose, c.standard, c.due_at, c.state, c.met_at)
            for c in case.commitments.filter(standing.RESIDENT_CLOCKS).order_by("due_at", "pk")
        ],
        notes=[
            Note(e.at, e.action, e.note)
            for e in JournalEntry.objects.filter(case=case, public=True).order_by("sequence")
        ]
        if notes
        else None,
    )


@pytest.mark.parametrize("notes", [False, True])
def test_records_equal_the_plain_orm_reading(o311: Open311, city: Any, notes: bool) -> None:
    _with_cases(o311, city)
    cases = selectors.public_cases(city.jurisdiction).order_by("-received_at", "-pk")
    assert selectors.records(cases, notes=notes) == [_plain(case, notes=notes) for case in cases]


@pytest.mark.parametrize(("offset", "size"), [(0, 1000), (0, 2), (1, 2), (3, 5), (10, 5)])
def test_requests_page_merged_by_status_equals_one_ordered_query(
    o311: Open311, city: Any, offset: int, size: int
) -> None:
    """Without a status filter the page is read per status and merged; it must be the plainly ordered slice."""
    _with_cases(o311, city)
    spec = RequestFilter(ids=[], service_codes=[], statuses=[], requested=None, updated=None)
    merged = selectors.requests_page(city.jurisdiction, spec, offset=offset, size=size, notes=False)
    plain = selectors.public_cases(city.jurisdiction).order_by("-received_at", "-pk")[offset : offset + size]
    assert [request.reference for request in merged] == [case.reference for case in plain]
    assert merged == [_plain(case, notes=False) for case in plain]
