"""Search (GET /cases?q=): each field finds its case, notes as they are added, contacts only for roles that may
see them, closed cases too, the reference first; every query, however odd, is an answer and never an error."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.domain.cases import actions, search
from civicdesk.domain.cases.references import display
from tests.fixtures.city import City


def _found(api: Any, q: str, **params: Any) -> list[str]:
    response = api.get("/cases", {"q": q, "page_size": 100, **params})
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


@pytest.fixture
def cases(make_case: Any) -> dict[str, Any]:
    pothole = make_case(
        "POTHOLE",
        description="Deep pothole near the école Sainte-Élise crossing",
        address="1710 Kingston Road",
        contact={"name": "Marguerite Okafor", "email": "m.okafor@example.org", "phone": "905-555-0142"},
    )
    light = make_case(
        "STREETLIGHT",
        description="Streetlight flickering all night",
        address="22 Liverpool Road",
        contact={"name": "Sam Chen", "email": "sam.chen@example.net", "phone": "(416) 555-0199"},
    )
    tree = make_case(
        "TREE-PRUNE", kind="service_request", description="Branches over the sidewalk", address="5 Kingston Court"
    )
    return {"pothole": pothole, "light": light, "tree": tree}


def test_each_field_finds_its_case(api_as: Any, cases: dict[str, Any]) -> None:
    csr = api_as("csr.alex")
    pothole, light = cases["pothole"].reference, cases["light"].reference
    assert _found(csr, display(pothole)) == [pothole]  # the reference as printed on the receipt
    assert _found(csr, pothole) == [pothole]
    assert _found(csr, "Liverpool") == [light]  # the address
    assert _found(csr, "flicker") == [light]  # a word's start is enough
    assert _found(csr, "ecole sainte elise") == [pothole]  # accents and hyphens do not matter
    assert _found(csr, "ÉCOLE") == [pothole]
    assert set(_found(csr, "kingston")) == {pothole, cases["tree"].reference}
    assert _found(csr, "kingston road") == [pothole]  # every word must be found
    assert _found(csr, "Okafor") == [pothole]  # the resident, for a role that may see contacts
    assert _found(csr, "m.okafor@example.org") == [pothole]
    assert _found(csr, "416 555 0199") == [light]  # a phone number as typed
    assert _found(csr, "4165550199") == [light]  # or its digits run together
    assert _found(csr, "nothing like this") == []


def test_contacts_are_searched_only_for_roles_that_may_see_them(api_as: Any, cases: dict[str, Any]) -> None:
    manager = api_as("manager")  # reads every department's cases, never who raised them (PK-PRIV)
    assert _found(manager, "flicker") == [cases["light"].reference]
    assert _found(manager, "Okafor") == []
    assert _found(manager, "905-555-0142") == []
    rows = manager.get("/cases", {"q": "pothole"}).json()["results"]
    assert [r["reference"] for r in rows] == [cases["pothole"].reference]
    assert rows[0]["contact"] is None


def test_search_stays_inside_the_departments_a_role_may_see(api_as: Any, cases: dict[str, Any]) -> None:
    roads = api_as("staff.roads")
    forestry = api_as("staff.forestry")
    assert _found(roads, "pothole") == [cases["pothole"].reference]
    assert _found(forestry, "pothole") == []
    assert _found(forestry, "branches") == [cases["tree"].reference]


def test_notes_are_found_as_they_are_added_and_closed_cases_stay_findable(
    api_as: Any, cases: dict[str, Any], city: City
) -> None:
    csr, roads = api_as("csr.alex"), api_as("sup.roads")
    pothole = cases["pothole"].reference
    assert _found(csr, "asphalt crew") == []
    response = csr.post(f"/cases/{pothole}/acknowledge", {"message": "We will inspect it and patch it this week."})
    assert response.status_code == 200, response.content
    response = roads.post(
        f"/cases/{pothole}/updates", {"update": "inspected", "note": "Asphalt crew booked for Thursday"}
    )
    assert response.status_code == 200, response.content
    assert _found(csr, "asphalt crew") == [pothole]
    response = roads.post(
        f"/cases/{pothole}/updates",
        {"update": "action_planned", "note": "Patch it", "timeline": "2026-11-20T12:00:00-05:00"},
    )
    assert response.status_code == 200, response.content
    response = roads.post(
        f"/cases/{pothole}/updates",
        {"update": "work_done", "note": "Patched with cold mix", "public": True},
    )
    assert response.status_code == 200, response.content
    response = roads.post(f"/cases/{pothole}/close", {"note": "Repaired and inspected"})
    assert response.status_code == 200, response.content
    assert _found(csr, "cold mix") == [pothole]
    assert _found(csr, "asphalt") == [pothole]  # the earlier note is still there
    assert _found(csr, "cold mix", status="closed") == [pothole]
    assert _found(csr, "cold mix", status="open") == []
    # Reopened, it is still found, by its old words and its new.
    response = csr.post(f"/cases/{pothole}/reopen", {"reason": "The patch washed out in the rain"})
    assert response.status_code == 200, response.content
    assert _found(csr, "washed out") == [pothole]
    assert _found(csr, "cold mix") == [pothole]


def test_a_resident_who_gives_new_details_is_found_by_them_on_every_case(
    api_as: Any, cases: dict[str, Any], city: City
) -> None:
    light = cases["light"]
    again = actions.create_case(
        jurisdiction=city.jurisdiction,
        actor=None,
        actor_label="test set-up",
        kind="complaint",
        channel="phone",
        description="The streetlight is out again",
        service=city.service("STREETLIGHT"),
        contact=actions.ContactDetails(existing=light.contact_id, phone="289-555-0123"),
    ).case
    csr = api_as("csr.alex")
    assert set(_found(csr, "289-555-0123")) == {light.reference, again.reference}
    assert _found(csr, "416 555 0199") == []


def test_the_reference_typed_in_full_comes_first(api_as: Any, make_case: Any) -> None:
    first = make_case("POTHOLE", description="A pothole")
    # A second case whose words mention the first one's reference.
    second = make_case("POTHOLE", description=f"Same pothole as {first.reference}, now bigger")
    assert _found(api_as("csr.alex"), first.reference)[0] == first.reference
    assert set(_found(api_as("csr.alex"), first.reference)) == {first.reference, second.reference}


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "pothole*",
        "NEAR(a b)",
        "-pothole",
        "a OR b",
        "pothole AND",
        "{reference} : 1",
        "'; DROP TABLE cases_case; --",
        "\\x00",
        "ù" * 200,
        "   ",
        "x:* & y | !z",
    ],
)
def test_any_query_is_an_answer_never_an_error(api_as: Any, cases: dict[str, Any], query: str) -> None:
    response = api_as("csr.alex").get("/cases", {"q": query})
    assert response.status_code == 200, response.content


def test_a_query_over_two_hundred_characters_is_refused_in_words(api_as: Any) -> None:
    response = api_as("csr.alex").get("/cases", {"q": "pothole " * 30})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "q", response.content


def test_the_query_count_of_a_search_does_not_grow_with_the_results(api_as: Any, make_case: Any) -> None:
    csr = api_as("csr.alex")
    make_case("POTHOLE", description="Pothole one")
    _found(csr, "pothole")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        assert len(_found(csr, "pothole")) == 1
    for n in range(10):
        make_case("POTHOLE", description=f"Pothole {n}")
    with CaptureQueriesContext(connection) as eleven:
        assert len(_found(csr, "pothole")) == 11
    assert len(eleven) == len(one)


def test_a_bounded_number_of_matches_is_ranked(api_as: Any, make_case: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "MAX_RESULTS", 3)
    for n in range(5):
        make_case("POTHOLE", description=f"Pothole {n}")
    assert len(_found(api_as("csr.alex"), "pothole")) == 3
