"""The desk's search page: find any case one may see by reference, address, words or resident; page through."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicdesk.domain.cases import actions
from civicdesk.domain.cases.references import display
from tests.fixtures.city import new_complaint as complaint

pytestmark = pytest.mark.django_db


def test_the_search_page_finds_a_case_by_its_printed_reference_and_links_to_it(city, signed_in):
    case = complaint(city)
    response = signed_in("csr.alex").get(reverse("desk:search"), {"q": display(case.reference)})
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("desk:case", args=[case.reference]) in page
    assert "1 case found, best match first" in page
    assert 'aria-current="page">Search<' in page


def test_an_empty_search_shows_the_form_and_a_search_that_finds_nothing_says_so(city, signed_in):
    complaint(city)
    client = signed_in("csr.alex")
    page = client.get(reverse("desk:search")).content.decode()
    assert 'role="search"' in page
    assert "<table" not in page
    page = client.get(reverse("desk:search"), {"q": "xylophone"}).content.decode()
    assert "No case you can see matches “xylophone”." in page


def test_the_resident_is_searched_for_roles_that_may_see_contacts_only(city, signed_in):
    case = complaint(city)
    found = signed_in("csr.alex").get(reverse("desk:search"), {"q": "Pat Resident"}).content.decode()
    assert reverse("desk:case", args=[case.reference]) in found
    hidden = signed_in("manager").get(reverse("desk:search"), {"q": "Pat Resident"}).content.decode()
    assert reverse("desk:case", args=[case.reference]) not in hidden
    assert "name, organisation, email or phone" not in hidden


def test_a_closed_case_is_found_and_pages_keep_the_query(city, signed_in):
    first = complaint(city)
    actions.link_duplicate(case=first, actor=city.csr, parent=complaint(city))
    for _ in range(55):
        complaint(city)
    client = signed_in("csr.alex")
    page = client.get(reverse("desk:search"), {"q": "maple limb"}).content.decode()
    assert "57 cases found" in page
    assert "?q=maple+limb&amp;page=2" in page
    second = client.get(reverse("desk:search"), {"q": "maple limb", "page": 2}).content.decode()
    assert "page 2 of 2" in second
