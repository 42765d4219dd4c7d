"""PK-PRIV in Open311 status_notes and updates: contact details are withheld however staff retype them.

Staff write to residents in their own words; the public copy must not carry
the address or its postal code, the email in capitals or its local part, the
phone with other punctuation or without its area code, or the organisation.
A re-route reason is staff's own note: public only when the desk says so.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from civicdesk.platform import timesource
from tests.fixtures.clock import NOW
from tests.open311.conftest import Open311

CONTACT: dict[str, Any] = {
    "name": "Ngozi Adeyemi-Clarke",
    "organisation": "Rosebank Tenants Association",
    "email": "Ngozi.Adeyemi@Example.org",
    "phone": "905-555-0177",
    "address": "41 Wharf Lane, Unit 3, Pickering, ON L1W 3K9",
}

RETYPED = [
    "NGOZI.ADEYEMI@EXAMPLE.ORG",
    "ngozi.adeyemi",
    "41 wharf lane",
    "41 Wharf Ln",
    "Unit 3",
    "L1W 3K9",
    "l1w3k9",
    "(905) 555 0177",
    "555-0177",
    "9055550177",
    "rosebank tenants association",
    "Rosebank Tenants",
    "adeyemi-clarke",
]


def _public_text(o311: Open311, reference: str, key: str) -> str:
    window = {"start_date": "2026-11-17T00:00:00-05:00", "end_date": "2026-11-18T00:00:00-05:00"}
    texts = []
    for fmt in ("json", "xml"):
        texts.append(o311.get(f"requests/{reference}.{fmt}", extensions="true").content.decode())
        texts.append(o311.get(f"requests.{fmt}", extensions="true").content.decode())
        texts.append(o311.get(f"servicerequestupdates.{fmt}", api_key=key, **window).content.decode())
    return "\n".join(texts)


@pytest.fixture
def case(city: Any) -> Any:
    from civicdesk.domain.cases import actions

    return actions.create_case(
        jurisdiction=city.jurisdiction,
        actor=city.staff("csr.alex"),
        kind="service_request",
        channel="phone",
        service=city.service("POTHOLE"),
        description="Pothole outside the tenants' building",
        address="Wharf Lane at Sandy Beach Rd",
        contact=actions.ContactDetails(**CONTACT),
    ).case


@pytest.mark.parametrize("retyped", RETYPED)
def test_contact_details_retyped_by_staff_never_reach_status_notes(
    o311: Open311, city: Any, key: str, case: Any, retyped: str
) -> None:
    from civicdesk.domain.cases import actions

    with timesource.frozen_at(NOW + timedelta(hours=1)):
        actions.acknowledge_case(
            case=case, actor=city.staff("csr.alex"), message=f"Thanks, we wrote back to {retyped}; crew booked."
        )
    text = _public_text(o311, case.reference, key)

    assert "crew booked" in text
    assert retyped.lower() not in text.lower()
    assert "[withheld]" in text


def test_a_re_route_reason_is_public_only_when_the_desk_says_so(
    o311: Open311, city: Any, key: str, case: Any, signed_in_desk: Any
) -> None:
    from civicdesk.domain.city.models import Department

    sup = signed_in_desk("sup.roads")
    parks = Department.objects.get(jurisdiction=city.jurisdiction, code="parks")
    with timesource.frozen_at(NOW + timedelta(hours=1)):
        kept = sup.post(
            f"/desk/cases/{case.reference}/route/", {"route-department": parks.pk, "route-reason": "STAFF-ONLY reason"}
        )
    assert kept.status_code == 302, kept.content.decode()[:3000]
    assert "STAFF-ONLY" not in _public_text(o311, case.reference, key)

    parks_lead = signed_in_desk("care.admin")
    roads = Department.objects.get(jurisdiction=city.jurisdiction, code="roads")
    with timesource.frozen_at(NOW + timedelta(hours=2)):
        told = parks_lead.post(
            f"/desk/cases/{case.reference}/route/",
            {"route-department": roads.pk, "route-reason": "SAID-PUBLICLY reason", "route-reason_public": "on"},
        )
    assert told.status_code == 302, told.content.decode()[:3000]
    assert "SAID-PUBLICLY" in _public_text(o311, case.reference, key)

    page = parks_lead.get(f"/desk/cases/{case.reference}/").content.decode()
    assert "Show the reason to the resident" in page


def test_a_re_route_reason_through_the_api_is_staff_only_by_default(
    o311: Open311, city: Any, key: str, case: Any
) -> None:
    from django.test import Client

    from civicdesk.channels.api.tokens import issue_token

    token = issue_token(user=city.staff("care.admin"))[1]
    api = Client(headers={"Authorization": f"Bearer {token}"})
    with timesource.frozen_at(NOW + timedelta(hours=1)):
        response = api.post(
            f"/api/v1/cases/{case.reference}/route",
            {"department": "parks", "reason": "API-STAFF-ONLY reason"},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    assert "API-STAFF-ONLY" not in _public_text(o311, case.reference, key)


@pytest.fixture
def signed_in_desk(city: Any) -> Any:
    from django.test import Client

    def make(username: str) -> Client:
        client = Client()
        client.force_login(city.staff(username))
        return client

    return make
