"""PK-PRIV: no resident name, email, phone, device, account or non-public note in any Open311 response."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from civicdesk.platform import timesource
from tests.fixtures.clock import NOW
from tests.open311.conftest import Open311

SECRETS = [
    "Priya",
    "Ramanathan",
    "priya.r@example.org",
    "905-555-0199",
    "9055550199",
    "905 555 0199",
    "A1B2C3-DEVICE",
    "acct-778899",
    "Sam",
    "Okafor",
    "sam@example.org",
    "905-555-0142",
    "INTERNAL",
]


def _everything(o311: Open311, ids: list[str], token: str) -> list[bytes]:
    bodies = []
    window = {"start_date": "2026-11-17T00:00:00-05:00", "end_date": "2026-11-18T00:00:00-05:00"}
    for fmt in ("json", "xml"):
        for path, query in [
            (f"services.{fmt}", {}),
            (f"services/GRAFFITI.{fmt}", {}),
            (f"requests.{fmt}", {}),
            (f"requests.{fmt}", {"extensions": "true"}),
            (f"requests.{fmt}", {"service_request_id": ",".join(ids), "extensions": "true"}),
            (f"tokens/{token}.{fmt}", {}),
            (f"servicerequestupdates.{fmt}", window),
        ] + [(f"requests/{i}.{fmt}", {"extensions": "true"}) for i in ids]:
            response = o311.get(path, **query)
            assert response.status_code == 200, (path, response.content)
            bodies.append(response.content)
        bodies.append(o311.client.get(f"/open311/discovery.{fmt}").content)
    return bodies


def test_no_contact_detail_or_private_note_appears_in_any_response(o311: Open311, city: Any) -> None:
    from civicdesk.domain.cases import actions
    from civicdesk.domain.cases.models import Case
    from civicdesk.domain.city.models import Service
    from civicdesk.domain.staff.models import User

    posted = o311.post(
        token="fms-9001",
        service_code="GRAFFITI",
        description="Spray paint on the underpass wall.",
        first_name="Priya",
        last_name="Ramanathan",
        email="priya.r@example.org",
        phone="905-555-0199",
        device_id="A1B2C3-DEVICE",
        account_id="acct-778899",
        lat="43.8354",
        long="-79.0867",
    )
    assert posted.status_code == 200
    for secret in SECRETS:
        assert secret.encode() not in posted.content
    open311_id = posted.json()[0]["service_request_id"]
    csr, parks = User.objects.get(username="csr.alex"), User.objects.get(username="staff.parks")
    case = Case.objects.get(reference=open311_id)
    with timesource.frozen_at(NOW + timedelta(hours=1)):
        # Staff write to the resident by name; the public copy must not carry it.
        actions.acknowledge_case(
            case=case, actor=csr, message="Dear Priya Ramanathan, Parks will remove it. Call 905 555 0199 if needed."
        )
        actions.record_update(case=case, actor=parks, update="note", note="INTERNAL: Priya called twice", public=False)
        actions.record_update(
            case=case, actor=parks, update="resident_advised", note="Told priya.r@example.org it is booked."
        )

    phone_case = actions.create_case(
        jurisdiction=city.jurisdiction,
        actor=csr,
        kind="complaint",
        channel="phone",
        service=Service.objects.get(jurisdiction=city.jurisdiction, code="NOISE"),
        description="Sam Okafor (905-555-0142) reports a barking dog every night",
        address="14 Rosebank Rd",
        contact=actions.ContactDetails(name="Sam Okafor", email="sam@example.org", phone="905-555-0142"),
    ).case
    with timesource.frozen_at(NOW + timedelta(hours=2)):
        actions.acknowledge_case(case=phone_case, actor=csr, message="Thank you Sam, by-law will attend.")

    with timesource.frozen_at(NOW + timedelta(hours=3)):
        bodies = _everything(o311, [open311_id, phone_case.reference], "fms-9001")
    for body in bodies:
        for secret in SECRETS:
            assert secret.encode() not in body, (secret, body[:300])
    joined = b"\n".join(bodies)
    assert b"[withheld]" in joined  # the staff notes were published, with the details taken out
    assert b"Parks will remove it." in joined
