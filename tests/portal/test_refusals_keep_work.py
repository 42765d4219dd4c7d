"""The portal keeps what a resident typed on every refusal, and only a report that could be recorded counts.

A 429 gives the form back as typed, says when to try again (Retry-After) and
the city's phone number; a phone number is checked as the city's country
dials it; a description of megabytes gets a page a person reads; no message
names a field by its code name.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.domain.cases.models import Case
from civicdesk.domain.cases.references import display
from tests.fixtures.city import new_complaint as complaint
from tests.portal.test_portal import complaint_form, report_url

pytestmark = pytest.mark.django_db


def test_the_report_refused_by_the_hourly_limit_comes_back_as_typed_with_retry_after_and_the_phone(city, settings):
    settings.CIVICDESK_PORTAL_LIMITS = {"report": (1, 3600)}
    client = Client()
    assert client.post(report_url(city), complaint_form(city)).status_code == 302

    refused = client.post(
        report_url(city), complaint_form(city, description="Branches again, blocking the driveway at number 12.")
    )

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    page = refused.content.decode()
    assert "Branches again, blocking the driveway at number 12." in page
    assert 'value="Pat Resident"' in page
    assert "905-683-7575" in page
    assert "minutes" in page
    assert Case.objects.count() == 1


def test_invalid_submissions_do_not_count_toward_the_hourly_limit(city, settings):
    settings.CIVICDESK_PORTAL_LIMITS = {"report": (2, 3600)}
    client = Client()
    for _attempt in range(5):
        assert client.post(report_url(city), complaint_form(city, outcome_sought="")).status_code == 422
    assert client.post(report_url(city), complaint_form(city, occurred_at="2031-01-01T10:00")).status_code == 422
    assert client.post(report_url(city), complaint_form(city)).status_code == 302
    assert client.post(report_url(city), complaint_form(city)).status_code == 302
    assert client.post(report_url(city), complaint_form(city)).status_code == 429


@pytest.mark.parametrize("phone", ["call me maybe", "555", "12345678901234567890", "+1 555 0100"])
def test_a_phone_number_no_one_can_dial_is_refused_with_the_form_kept(city, phone):
    response = Client().post(report_url(city), complaint_form(city, phone=phone))
    assert response.status_code == 422
    page = response.content.decode()
    assert 'href="#id_phone"' in page
    assert "Enter a phone number we can call" in page
    assert "The city crew left branches all over my lawn." in page
    assert not Case.objects.exists()


@pytest.mark.parametrize("phone", ["905-683-7575", "(905) 555 0101", "+44 20 7946 0958"])
def test_local_and_international_numbers_are_accepted_and_found_again_on_the_status_page(city, phone):
    client = Client()
    assert client.post(report_url(city), complaint_form(city, phone=phone, email="")).status_code == 302
    case = Case.objects.get()
    found = client.post(reverse("portal:status"), {"reference": display(case.reference), "contact": phone})
    assert found.status_code == 200


def test_a_five_megabyte_description_gets_a_page_a_person_reads(city):
    response = Client().post(report_url(city), complaint_form(city, description="x" * 5_000_000))
    assert response.status_code == 413
    page = response.content.decode()
    assert "Bad Request" not in page
    assert "Too much to send at once" in page
    assert "10,000 characters" in page
    assert "905-683-7575" in page


def test_no_message_names_a_field_by_its_code_name(city):
    response = Client().post(report_url(city), complaint_form(city, occurred_at="2031-01-01T10:00"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "occurred_at" not in page.split("<form")[0]  # the error summary, above the form
    assert "in the future" in page


def test_the_status_look_up_refused_by_its_limit_keeps_the_reference_typed(city, settings):
    settings.CIVICDESK_PORTAL_LIMITS = {"status": (1, 600)}
    case = complaint(city)
    client = Client()
    typed = {"reference": display(case.reference), "contact": "pat@example.org"}
    assert client.post(reverse("portal:status"), typed).status_code == 200

    refused = client.post(reverse("portal:status"), typed)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    page = refused.content.decode()
    assert display(case.reference) in page
    assert "905-683-7575" in page
