"""The public portal through Django's test client: report, confirmation email, status look-up, anti-abuse."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.domain.cases.models import Case, JournalEntry
from civicdesk.domain.cases.references import display
from civicdesk.domain.outbox.models import OutboxMessage
from civicdesk.platform import timesource
from tests.fixtures.city import new_complaint as complaint

pytestmark = pytest.mark.django_db


def report_url(city) -> str:
    return reverse("portal:report_for", args=[city.jurisdiction.slug])


def complaint_form(city, **extra):
    return {
        "kind": "complaint",
        "service": city.service("TREE-PRUNE").pk,
        "description": "The city crew left branches all over my lawn.",
        "address": "12 Elm St",
        "occurred_at": "2026-11-16T14:30",
        "people_involved": "The forestry crew",
        "outcome_sought": "Remove the branches",
        "name": "Pat Resident",
        "email": "Pat@Example.org",
        "phone": "",
        "language": "fr",
        **extra,
    }


def test_report_start_goes_to_the_only_city(city):
    response = Client().get(reverse("portal:report"))
    assert response.status_code == 302
    assert response["Location"] == report_url(city)


def test_the_form_explains_anonymity_hearing_back_and_the_ombudsman(city):
    page = Client().get(report_url(city)).content.decode()
    assert "not investigated unless they are an immediate threat to safety" in page  # PK-ANON
    assert "Acknowledged within 1 business day: by Wednesday 18 November 2026" in page  # from the profile
    assert "Ombudsman" in page  # PK-OMB
    assert "interpreter" in page  # PB-XLATE
    assert "The office is closed now" not in page  # Tuesday 10:00: open


def test_after_hours_notice_when_the_office_is_closed(city):
    with timesource.frozen_at(datetime(2026, 11, 17, 20, 0, tzinfo=ZoneInfo("America/Toronto"))):
        page = Client().get(report_url(city)).content.decode()
    assert "The office is closed now" in page
    assert "after-hours" in page


def test_resident_submits_a_complaint_and_gets_a_reference_and_an_email(city):
    client = Client()
    response = client.post(
        report_url(city), complaint_form(city, interpreter_requested="on", interpreter_language="Tamil")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:sent")
    case = Case.objects.get()
    assert (case.channel, case.kind, case.language, case.interpreter_requested) == ("web", "complaint", "fr", True)
    assert "Tamil" in case.description
    assert JournalEntry.objects.get(case=case, sequence=1).actor_label == "resident (web)"
    page = client.get(reverse("portal:sent")).content.decode()
    assert display(case.reference) in page
    receipt = OutboxMessage.objects.get(case=case, kind="receipt")
    assert receipt.recipient_address == "Pat@Example.org"
    assert display(case.reference) in receipt.subject
    assert "Votre numéro de référence" in receipt.subject or "reference" in receipt.subject.lower()


def test_complaint_needs_what_the_policy_requires(city):
    data = complaint_form(city, occurred_at="", outcome_sought="", service="")
    response = Client().post(report_url(city), data)
    assert response.status_code == 422
    page = response.content.decode()
    for field in ("id_service", "id_occurred_at", "id_outcome_sought"):
        assert f'href="#{field}"' in page
    assert not Case.objects.exists()


def test_compliment_without_a_name_is_recorded(city):
    response = Client().post(
        report_url(city), {"kind": "compliment", "description": "The snow crew was great.", "language": "en"}
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.kind, case.feedback_type, case.status) == ("feedback", "compliment", "closed")


def test_honeypot_records_nothing(city):
    response = Client().post(report_url(city), complaint_form(city, website="http://spam.example"))
    assert response.status_code == 200
    assert not Case.objects.exists()


def test_rate_limit_per_client(city, settings):
    settings.CIVICDESK_PORTAL_LIMITS = {"report": (2, 3600)}
    client = Client()
    codes = [
        client.post(report_url(city), {"kind": "suggestion", "description": f"Idea {n}", "language": "en"}).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert (
        other.post(report_url(city), {"kind": "suggestion", "description": "Idea", "language": "en"}).status_code == 302
    )


def test_status_lookup_with_email_or_phone(city):
    case = complaint(city)  # Pat: pat@example.org, 905-555-0101
    client = Client()
    by_email = client.post(
        reverse("portal:status"), {"reference": display(case.reference), "contact": " PAT@example.org "}
    )
    assert by_email.status_code == 200
    page = by_email.content.decode()
    assert "Open: the City is working on it" in page
    assert "Received." in page
    assert "Pat Resident" not in page
    assert "905-555-0101" not in page
    by_phone = client.post(reverse("portal:status"), {"reference": case.reference, "contact": "(905) 555 0101"})
    assert by_phone.status_code == 200


def test_status_lookup_gives_one_answer_for_wrong_reference_and_wrong_contact(city):
    case = complaint(city)
    other = complaint(city, contact=None)
    client = Client()
    wrong_contact = client.post(reverse("portal:status"), {"reference": case.reference, "contact": "someone@else.org"})
    missing = "000000000"  # valid check digit, no such case
    wrong_reference = client.post(reverse("portal:status"), {"reference": missing, "contact": "pat@example.org"})
    anonymous = client.post(reverse("portal:status"), {"reference": other.reference, "contact": ""})
    assert wrong_contact.status_code == wrong_reference.status_code == 404
    assert anonymous.status_code == 422  # contact is required
    message = "We could not find a request with that reference number"
    assert message in wrong_contact.content.decode()
    assert message in wrong_reference.content.decode()


def test_pages_render_in_french_and_spanish(city):
    fr = Client(headers={"accept-language": "fr"}).get(report_url(city)).content.decode()
    es = Client(headers={"accept-language": "es"}).get(report_url(city)).content.decode()
    assert '<html lang="fr">' in fr
    assert "Envoyer" in fr
    assert '<html lang="es">' in es
    assert "Enviar" in es


def test_language_switch_is_remembered(city):
    client = Client()
    response = client.post(reverse("set_language"), {"language": "es", "next": reverse("portal:status")})
    assert response.status_code == 302
    assert '<html lang="es">' in client.get(reverse("portal:status")).content.decode()


def test_home_page_links_to_the_portal_and_staff_sign_in(city):
    page = Client().get("/").content.decode()
    assert reverse("portal:report") in page
    assert reverse("desk:login") in page
    assert "Staff sign-in" in page
