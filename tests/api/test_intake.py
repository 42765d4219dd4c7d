"""POST /cases: intake, idempotent retries, and bad input that names the field and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.domain.cases.models import Case, IdempotencyKey
from tests.api.conftest import row_counts
from tests.fixtures.city import RESIDENT

POTHOLE = {
    "kind": "complaint",
    "channel": "letter",
    "service": "POTHOLE",
    "description": "A deep pothole outside 1 Esplanade.",
    "received_at": "2026-11-12T11:00:00-05:00",  # a letter received Thursday, entered the next Tuesday
    "occurred_at": "2026-11-10T08:00:00-05:00",
    "people_involved": "A cyclist who fell",
    "outcome_sought": "Fill it before winter",
    "address": "1 The Esplanade, Pickering",
    "latitude": 43.8384,
    "longitude": -79.0868,
    "contact": RESIDENT,
}


def test_create_case_returns_it_with_its_clocks_from_the_receipt_time(api_as: Any) -> None:
    response = api_as("csr.alex").post("/cases", POTHOLE)

    assert response.status_code == 201, response.content
    case = response.json()
    assert case["kind"] == "complaint"
    assert case["service"] == "POTHOLE"
    assert case["department"] == "roads"  # PK-ROUTE: routed by its service
    assert case["hazard"] is True  # the service's hazard flag
    assert case["received_at"] == "2026-11-12T16:00:00+00:00"
    assert case["contact"]["name"] == "Pat Resident"
    assert case["missing_details"] == []
    by_standard = {c["standard"]: c for c in case["commitments"]}
    # Backdated receipt: 1 business day after Thursday 12 November is Friday 13 November, 16:30 Toronto.
    assert by_standard["PK-ACK-1BD"]["due_at"] == "2026-11-13T21:30:00+00:00"
    assert by_standard["PK-ACK-1BD"]["state"] == "pending"
    assert by_standard["PK-ACK-1BD"]["purpose"] == "acknowledge"
    assert by_standard["PK-ACK-1BD"]["explanation"]
    assert "PK-HAZARD" in by_standard
    assert Case.objects.get(reference=case["reference"]).latitude is not None


def test_a_complaint_says_which_details_are_missing_instead_of_refusing(api_as: Any) -> None:
    """PK-CHANNELS."""
    response = api_as("csr.alex").post(
        "/cases",
        {"kind": "complaint", "channel": "phone", "service": "NOISE", "description": "Loud party", "contact": RESIDENT},
    )

    assert response.status_code == 201
    assert response.json()["missing_details"] == ["date and time of occurrence", "who was involved", "outcome sought"]


def test_feedback_needs_no_service_and_owes_no_response(api_as: Any) -> None:
    body = {"kind": "feedback", "feedback_type": "compliment", "channel": "email", "description": "Great snow clearing"}
    response = api_as("csr.alex").post("/cases", body)

    assert response.status_code == 201
    assert response.json()["status"] == "closed"
    assert response.json()["resolution"] == "no_response_owed"


# --- idempotency -----------------------------------------------------------------------------------------


def test_a_retry_with_the_same_idempotency_key_returns_the_same_case(api_as: Any) -> None:
    api = api_as("csr.alex")
    key = {"Idempotency-Key": "5b0f3c1e-2d7a-4c1b-9a57-0f3f0c8e6a11"}

    first = api.post("/cases", POTHOLE, headers=key)
    before = row_counts()
    retry = api.post("/cases", POTHOLE, headers=key)

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json()["reference"] == first.json()["reference"]
    assert row_counts() == before
    assert Case.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(api_as: Any) -> None:
    api = api_as("csr.alex")
    key = {"Idempotency-Key": "retry-1"}
    api.post("/cases", POTHOLE, headers=key)
    before = row_counts()

    response = api.post("/cases", {**POTHOLE, "description": "Something else entirely"}, headers=key)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"
    assert response.json()["error"]["field"] == "Idempotency-Key"
    assert row_counts() == before


def test_idempotency_keys_belong_to_their_user(api_as: Any) -> None:
    key = {"Idempotency-Key": "shared-key"}
    alex = api_as("csr.alex").post("/cases", POTHOLE, headers=key)
    admin = api_as("care.admin").post("/cases", POTHOLE, headers=key)

    assert alex.status_code == admin.status_code == 201
    assert alex.json()["reference"] != admin.json()["reference"]


# --- bad input ---------------------------------------------------------------------------------------------

BAD_BODIES = [
    pytest.param('{"kind": "complaint",', "body", id="malformed-json"),
    pytest.param(b"\xff\xfe{\x80}", "body", id="not-utf8"),
    pytest.param("[1, 2]", "body", id="not-an-object"),
    pytest.param("", "body", id="empty-body"),
    pytest.param({**POTHOLE, "kind": "grievance"}, "kind", id="unknown-kind"),
    pytest.param({**POTHOLE, "channel": 7}, "channel", id="channel-wrong-type"),
    pytest.param({**POTHOLE, "description": 42}, "description", id="description-wrong-type"),
    pytest.param({**POTHOLE, "hazard": "yes"}, "hazard", id="hazard-not-boolean"),
    pytest.param({**POTHOLE, "latitude": "43.8"}, "latitude", id="latitude-string"),
    pytest.param({**POTHOLE, "latitude": 95.0}, "latitude", id="latitude-out-of-range"),
    pytest.param({**POTHOLE, "longitude": None}, "longitude", id="latitude-without-longitude"),
    pytest.param({k: v for k, v in POTHOLE.items() if k != "description"}, "description", id="description-missing"),
    pytest.param({**POTHOLE, "description": "   "}, "description", id="description-blank"),
    pytest.param({**POTHOLE, "description": "x" * 10_001}, "description", id="description-too-long"),
    pytest.param({**POTHOLE, "description": "nul\x00byte"}, "description", id="description-nul"),
    pytest.param({**POTHOLE, "address": "a" * 301}, "address", id="address-too-long"),
    pytest.param({**POTHOLE, "service": "NO-SUCH-SERVICE"}, "service", id="unknown-service"),
    pytest.param({**POTHOLE, "service": None}, "service", id="complaint-without-service"),
    pytest.param({**POTHOLE, "received_at": "2026-11-12T11:00:00"}, "received_at", id="naive-received-at"),
    pytest.param({**POTHOLE, "received_at": "last Thursday"}, "received_at", id="received-at-not-a-time"),
    pytest.param({**POTHOLE, "received_at": 1763000000}, "received_at", id="received-at-a-number"),
    pytest.param({**POTHOLE, "received_at": "2027-01-01T00:00:00+00:00"}, "received_at", id="received-in-future"),
    pytest.param({**POTHOLE, "occurred_at": "2026-11-10"}, "occurred_at", id="occurred-date-only"),
    pytest.param({**POTHOLE, "language": "de"}, "language", id="language-not-served"),
    pytest.param({**POTHOLE, "feedback_type": "compliment"}, "feedback_type", id="feedback-type-on-complaint"),
    pytest.param({**POTHOLE, "recieved_at": "2026-11-12T11:00:00-05:00"}, "recieved_at", id="misspelt-field"),
    pytest.param({**POTHOLE, "contact": {"email": "not-an-address"}}, "contact.email", id="contact-email"),
    pytest.param({**POTHOLE, "contact": {"phone": "9" * 41}}, "contact.phone", id="contact-phone-too-long"),
    pytest.param({**POTHOLE, "contact": {"name": "Pat", "language": "xx"}}, "contact.language", id="contact-language"),
    pytest.param({**POTHOLE, "contact": "Pat, 905-555-0100"}, "contact", id="contact-not-an-object"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_bad_input_is_422_naming_the_field_and_writes_nothing(body: Any, field: str, api_as: Any) -> None:
    api = api_as("csr.alex")
    before = row_counts()

    if isinstance(body, str | bytes):
        response = api.post("/cases", raw=body, headers={"Idempotency-Key": "k1"})
    else:
        response = api.post("/cases", body, headers={"Idempotency-Key": "k1"})

    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["field"] == field
    assert error["message"]
    assert row_counts() == before


def test_validation_errors_list_every_bad_field(api_as: Any) -> None:
    response = api_as("csr.alex").post("/cases", {**POTHOLE, "kind": "grievance", "hazard": "yes", "extra": 1})

    error = response.json()["error"]
    assert {d["field"] for d in error["details"]} == {"kind", "hazard", "extra"}
    assert all(set(d) == {"field", "message", "type"} for d in error["details"])


def test_bad_idempotency_key_is_422_naming_the_header(api_as: Any) -> None:
    response = api_as("csr.alex").post("/cases", POTHOLE, headers={"Idempotency-Key": "k" * 201})

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "Idempotency-Key"
    assert Case.objects.count() == 0


@pytest.mark.parametrize("persona", ["manager", "shopper"])
def test_read_only_roles_may_not_create_cases(persona: str, api_as: Any) -> None:
    before = row_counts()

    response = api_as(persona).post("/cases", POTHOLE)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert row_counts() == before


# --- PK-PRIV ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["manager", "shopper"])
def test_pk_priv_roles_without_contact_access_never_see_who_raised_a_case(
    persona: str, api_as: Any, make_case: Any
) -> None:
    case = make_case("POTHOLE")
    api = api_as(persona)

    one = api.get(f"/cases/{case.reference}")
    page = api.get("/cases")
    journal = api.get(f"/cases/{case.reference}/journal")

    for response in (one, page, journal):
        assert RESIDENT["name"] not in response.content.decode()
        assert RESIDENT["phone"] not in response.content.decode()
        assert RESIDENT["email"] not in response.content.decode()
    if persona == "manager":
        assert one.status_code == 200
        assert one.json()["contact"] is None
        assert [c["contact"] for c in page.json()["results"]] == [None]
    else:
        assert one.status_code == page.status_code == journal.status_code == 403


def test_pk_priv_staff_who_investigate_see_the_contact(api_as: Any, make_case: Any) -> None:
    case = make_case("POTHOLE")

    assert api_as("staff.roads").get(f"/cases/{case.reference}").json()["contact"]["phone"] == RESIDENT["phone"]


def test_an_oversized_body_is_413_not_a_crash(api_as: Any) -> None:
    response = api_as("csr.alex").post("/cases", {**POTHOLE, "description": "x" * 3_000_000})

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({**POTHOLE, "latitude": 43.83841234567, "longitude": -79.08681234567}, id="complaint"),
        pytest.param({**POTHOLE, "contact": None}, id="anonymous-complaint-not-investigated"),
        pytest.param({"kind": "inquiry", "channel": "phone", "description": "Bin day?"}, id="inquiry"),
        pytest.param(
            {"kind": "feedback", "feedback_type": "compliment", "channel": "web", "description": "Thanks"},
            id="feedback-closed-at-once",
        ),
    ],
)
def test_the_created_case_in_the_response_is_the_case_as_stored(body: Any, api_as: Any) -> None:
    """The response is built from the objects in memory; it must say exactly what a later read says."""
    api = api_as("csr.alex")
    created = api.post("/cases", body)
    assert created.status_code == 201, created.content
    shown = created.json()
    shown.pop("missing_details")

    stored = api.get(f"/cases/{shown['reference']}")

    assert stored.status_code == 200
    assert shown == stored.json()
