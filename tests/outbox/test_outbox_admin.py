"""Customer Care sees the outbox in /admin/: each message's state and attempts, and cannot add or delete one."""

from __future__ import annotations

import pytest
from django.test import Client

from civicdesk.domain.cases import actions
from civicdesk.domain.outbox.models import OutboxMessage
from tests.fixtures.city import new_complaint
from tests.fixtures.clock import local

pytestmark = pytest.mark.django_db


def test_customer_care_administrator_reads_the_outbox_but_cannot_write_it(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(
        city,
        contact=actions.ContactDetails(name="Pat Resident", email="pat@example.org"),
        receipt=actions.Receipt(status_url="https://pickering.example/status/"),
    )
    message = OutboxMessage.objects.get(case=case, kind="receipt")
    client = Client()
    client.force_login(city.care_admin)

    listing = client.get("/admin/outbox/outboxmessage/")
    assert listing.status_code == 200
    assert "pat@example.org" in listing.content.decode()
    assert client.get(f"/admin/outbox/outboxmessage/{message.pk}/change/").status_code == 200
    assert client.get("/admin/outbox/outboxmessage/add/").status_code == 403
    assert client.post(f"/admin/outbox/outboxmessage/{message.pk}/delete/", {"post": "yes"}).status_code == 403
    assert OutboxMessage.objects.filter(pk=message.pk).exists()


def test_customer_care_administrator_reads_the_mail_received(city, now) -> None:
    from civicdesk.channels.mail.intake import Mailbox, receive
    from civicdesk.domain.inbox.models import InboundMessage

    now.set(local(2026, 11, 2, 10, 0))
    raw = (
        b"From: pat@example.org\r\nSubject: Pothole on Brock Road\r\nMessage-ID: <one@example.org>\r\n\r\nDeep one.\r\n"
    )
    row = receive(raw, mailbox=Mailbox(city.jurisdiction, "https://pickering.example/status/"), via="smtp")
    client = Client()
    client.force_login(city.care_admin)

    listing = client.get("/admin/inbox/inboundmessage/")
    assert listing.status_code == 200
    assert "Pothole on Brock Road" in listing.content.decode()
    assert client.get(f"/admin/inbox/inboundmessage/{row.pk}/change/").status_code == 200
    assert client.get("/admin/inbox/inboundmessage/add/").status_code == 403
    assert InboundMessage.objects.filter(pk=row.pk).exists()
