"""A per-case secret link in the web receipt opens the status page; look-ups of one reference are limited.

References are public in the Open311 feed, so the email or phone beside a
reference was the only secret; guesses from many addresses at one case are
now limited per reference, while the receipt's link keeps working.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.channels.portal.models import StatusKey
from civicdesk.domain.cases.models import Case
from civicdesk.domain.cases.references import display
from civicdesk.domain.outbox.models import OutboxMessage
from tests.portal.test_portal import complaint_form, report_url

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver/status/([A-Za-z0-9_-]{20,})/")


def _report(city) -> tuple[Case, str, Client]:
    client = Client()
    assert client.post(report_url(city), complaint_form(city)).status_code == 302
    case = Case.objects.get()
    receipt = OutboxMessage.objects.get(case=case, kind="receipt")
    match = LINK.search(receipt.body)
    assert match, receipt.body
    return case, match.group(0), client


def test_the_receipt_carries_a_status_link_that_opens_the_case_without_contact_details(city):
    case, link, client = _report(city)

    sent = client.get(reverse("portal:sent")).content.decode()
    assert link in sent

    page = Client(REMOTE_ADDR="198.51.100.4").get(link)
    assert page.status_code == 200
    text = page.content.decode()
    assert display(case.reference) in text
    assert "Pat Resident" not in text
    assert "Pat@Example.org" not in text


def test_only_a_digest_of_the_secret_is_stored(city):
    case, link, _client = _report(city)
    secret = LINK.search(link).group(1)
    stored = StatusKey.objects.get(case=case)
    assert secret not in stored.digest
    assert len(stored.digest) == 64


def test_a_wrong_status_link_is_a_readable_404(city):
    _report(city)
    response = Client().get(reverse("portal:status_link", args=["not-the-secret-at-all-0000"]))
    assert response.status_code == 404
    assert "This status link does not work" in response.content.decode()


def test_look_ups_of_one_reference_are_limited_from_every_address_but_the_link_still_works(city, settings):
    settings.CIVICDESK_PORTAL_LIMITS = {"reference": (3, 3600)}
    case, link, _client = _report(city)
    guesses = [
        Client(REMOTE_ADDR=f"203.0.113.{n}").post(
            reverse("portal:status"), {"reference": case.reference, "contact": f"guess{n}@example.org"}
        )
        for n in range(3)
    ]
    assert [g.status_code for g in guesses] == [404, 404, 404]

    refused = Client(REMOTE_ADDR="203.0.113.99").post(
        reverse("portal:status"), {"reference": case.reference, "contact": "pat@example.org"}
    )
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "905-683-7575" in refused.content.decode()

    assert Client(REMOTE_ADDR="198.51.100.4").get(link).status_code == 200
