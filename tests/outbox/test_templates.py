"""Messages written from templates: in the resident's language, the city's own wording, checked when saved, previewed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.domain.cases import actions, notifications
from civicdesk.domain.cases.references import display
from civicdesk.domain.outbox import templates
from civicdesk.domain.outbox.models import MessageTemplate, OutboxMessage
from tests.factories import JurisdictionFactory
from tests.fixtures.city import new_complaint
from tests.fixtures.clock import local

pytestmark = pytest.mark.django_db

GREETINGS = {"en": "Dear Ms Li Chen,", "fr": "Bonjour Mme Li Chen,", "es": "Estimada Sra. Li Chen:"}


def _complaint(city, language: str):
    return new_complaint(
        city,
        contact=actions.ContactDetails(name="Li Chen", title="ms", email="li@example.org", language=language),
        language=language,
    )


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("kind", list(templates.KINDS))
def test_every_kind_renders_in_each_language_with_reference_greeting_and_signature(city, now, kind, language) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = _complaint(city, language)
    extra: dict[str, Any] = dict.fromkeys(templates.KINDS[kind].variables, "x")
    subject, body = notifications.compose(kind, case, actor=city.csr, **extra)
    assert display(case.reference) in subject + body
    if templates.KINDS[kind].audience == templates.RESIDENT:
        assert body.startswith(GREETINGS[language])
        assert body.endswith("905-683-7575\nCity of Pickering")
        assert "Alex Martin" in body
        assert "{{" not in body
        assert "{%" not in body


def test_a_city_s_own_template_is_used_for_its_cases_and_not_another_city_s(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    MessageTemplate.objects.create(
        jurisdiction=city.jurisdiction,
        kind="acknowledgement",
        language="en",
        subject="Pickering got {{ reference }}",
        body="{{ greeting }} {{ note }}",
    )
    elsewhere = JurisdictionFactory(profile="pickering")
    MessageTemplate.objects.create(
        jurisdiction=elsewhere, kind="acknowledgement", language="en", subject="Elsewhere", body="Not ours"
    )
    case = new_complaint(city)
    actions.acknowledge_case(case=case, actor=city.csr, message="We will prune it this week.")
    sent = OutboxMessage.objects.get(case=case, kind="acknowledgement")
    assert sent.subject == f"Pickering got {display(case.reference)}"
    assert sent.body == "Dear Pat Resident, We will prune it this week."


def test_a_french_complaint_closed_sends_the_french_ombudsman_paragraph(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = _complaint(city, "fr")
    actions.acknowledge_case(case=case, actor=city.csr, message="Reçue.")
    actions.close_case(case=case, actor=city.staff("staff.forestry"), note="Élagué.")
    letter = OutboxMessage.objects.get(case=case, kind="closed")
    assert letter.subject == f"Votre plainte {display(case.reference)} est fermée"
    assert "vous pouvez communiquer avec l'ombudsman de votre municipalité" in letter.body
    assert "Élagage d'arbre" in letter.body  # the service's French name


def _admin(city) -> Client:
    client = Client()
    client.force_login(city.care_admin)
    return client


def test_a_broken_template_is_refused_in_the_admin_with_a_message_and_nothing_saved(city) -> None:
    client = _admin(city)
    for body, words in (("{{ greting }}", "greting"), ("{% if note %}unclosed", "cannot be read")):
        response = client.post(
            reverse("admin:outbox_messagetemplate_add"),
            {"jurisdiction": city.jurisdiction.pk, "kind": "reply", "language": "en", "subject": "Hi", "body": body},
        )
        assert response.status_code == 200
        assert words in response.content.decode()
    assert not MessageTemplate.objects.exists()
    saved = client.post(
        reverse("admin:outbox_messagetemplate_add"),
        {
            "jurisdiction": city.jurisdiction.pk,
            "kind": "reply",
            "language": "en",
            "subject": "Hi",
            "body": "{{ note }}",
        },
    )
    assert saved.status_code == 302
    assert MessageTemplate.objects.get().updated_by == city.care_admin


def test_add_from_the_default_and_the_preview_shows_the_rendered_text(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    client = _admin(city)
    start = client.get(reverse("admin:outbox_messagetemplate_add") + "?kind=closed&language=fr").content.decode()
    assert "Votre plainte {{ reference }} est fermée" in start
    case = new_complaint(city)
    preview = client.post(
        reverse("admin:outbox_messagetemplate_preview"),
        {
            "kind": "reply",
            "language": "en",
            "subject": "About {{ reference }}",
            "body": "{{ greeting }}\n\n{{ service }}",
            "preview_case": case.reference,
        },
    ).content.decode()
    assert f"About {display(case.reference)}" in preview
    assert "Dear Pat Resident," in preview
    assert "Tree pruning" in preview
    assert not MessageTemplate.objects.exists()
    assert Client().get(reverse("admin:outbox_messagetemplate_preview")).status_code == 302  # signed out
    csr = Client()
    csr.force_login(city.csr)
    assert csr.get(reverse("admin:outbox_messagetemplate_preview") + "?kind=reply&language=en").status_code == 403


def test_the_status_page_in_french_shows_the_service_name_and_received_translated(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    page = Client(headers={"accept-language": "fr"}).post(
        reverse("portal:status"), {"reference": case.reference, "contact": "pat@example.org"}
    )
    text = page.content.decode()
    assert "Élagage d&#x27;arbre" in text or "Élagage d'arbre" in text
    assert "Reçue." in text
    assert "Received." not in text
