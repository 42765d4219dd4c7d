"""Refusals in the asker's own form: a styled page in the visitor's language, the API's JSON, Open311's errors."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.fixtures.city import new_complaint

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "Page not found"), ("fr", "Page introuvable"), ("es", "Página no encontrada")],
)
def test_an_unknown_case_on_the_desk_is_a_styled_page_in_the_visitors_language(city, language, heading):
    client = Client(headers={"accept-language": language})
    client.force_login(city.csr)
    response = client.get(reverse("desk:case", args=["999999999"]))
    assert response.status_code == 404
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert f'lang="{language}"' in page
    assert "civicdesk.css" in page


def test_an_unknown_page_is_styled_and_names_the_way_back(city):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()
    assert 'href="/status/"' in response.content.decode()


def test_a_get_on_an_action_address_is_a_page_that_says_what_to_do_and_keeps_allow(city):
    case = new_complaint(city)
    client = Client(headers={"accept-language": "en"})
    client.force_login(city.csr)
    response = client.get(reverse("desk:transition", args=[case.reference, "acknowledge"]))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "This address is for sending a form" in response.content.decode()


def test_the_staff_api_answers_unknown_addresses_and_methods_in_its_own_json(city):
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_open311_answers_unknown_addresses_in_its_own_error_list(city):
    response = Client().get("/open311/v2/no-such-thing.json")
    assert response.status_code == 404
    [error] = response.json()
    assert error["code"] == 404
    assert "no-such-thing" in error["description"]
    response = Client().get("/open311/v2/no-such-thing.xml")
    assert response.status_code == 404
    assert b"<errors>" in response.content


def test_a_server_error_is_a_page_not_a_traceback(city, settings):
    from civicdesk.platform import views

    request = Client().get("/").wsgi_request
    response = views.server_error(request)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
