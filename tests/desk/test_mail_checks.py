"""PK-EMAIL-CHECK: unread mail on the queues, and the report of mail opened after the check time that followed it.

Pickering opens 8:30-16:30, so its check times are 9:00 (the profile's 30 minutes after opening), 13:30 (after
lunch) and 15:30 (an hour before close), civicdesk's defaults for the two the policy does not time.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from civicdesk.channels.mail.intake import Mailbox, receive
from civicdesk.domain.cases import actions, clocks
from civicdesk.domain.cases.references import display
from civicdesk.domain.city.models import Department
from civicdesk.domain.inbox import checks
from civicdesk.domain.inbox.models import InboundMessage
from tests.fixtures.clock import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(city, tmp_path: Path) -> Iterator[Mailbox]:
    with override_settings(DATA_DIR=tmp_path):
        yield Mailbox(city.jurisdiction, "https://pickering.example/status/")


def arrives(mailbox: Mailbox, now, at, subject: str) -> InboundMessage:
    now.set(at)
    message = EmailMessage()
    message["From"] = "Pat Resident <pat@example.org>"
    message["To"] = "311@pickering.example"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content(f"{subject}, please.")
    return receive(message.as_bytes(), mailbox=mailbox, via="smtp")


def opened(client, now, at, row: InboundMessage) -> None:
    now.set(at)
    assert client.get(reverse("desk:case", args=[row.case.reference])).status_code == 200


def test_check_times_come_from_the_profiles_calendar(city) -> None:
    profile = clocks.profile_for(city.jurisdiction)
    standard = checks.check_standard(profile)
    assert standard is not None
    assert standard.id == "PK-EMAIL-CHECK"
    times = checks.check_times(profile.calendar, standard, local(2026, 11, 17, 12, 0))
    assert [t.strftime("%H:%M") for t in times] == ["09:00", "13:30", "15:30"]
    assert checks.check_times(profile.calendar, standard, local(2026, 11, 21, 12, 0)) == []  # a Saturday
    friday_evening = local(2026, 11, 20, 17, 0)
    assert checks.due_check(profile.calendar, standard, friday_evening) == local(2026, 11, 23, 9, 0)


def test_unread_mail_on_the_queues_and_the_late_openings_report(city, signed_in, mailbox, now) -> None:
    csr = signed_in("csr.alex")
    early = arrives(mailbox, now, local(2026, 11, 17, 7, 50), "Streetlight out on Kingston Road")
    morning = arrives(mailbox, now, local(2026, 11, 17, 10, 0), "Pothole on Liverpool Road")
    afternoon = arrives(mailbox, now, local(2026, 11, 17, 14, 0), "Missed collection on Elm St")
    evening = arrives(mailbox, now, local(2026, 11, 17, 16, 0), "Broken bench in the park")

    opened(csr, now, local(2026, 11, 17, 9, 20), early)  # 20 minutes after the 9:00 check
    opened(csr, now, local(2026, 11, 17, 13, 0), morning)  # before 13:30: on time
    opened(csr, now, local(2026, 11, 18, 8, 45), evening)  # before Wednesday's 9:00: on time

    # The afternoon's case goes to Roads; no one has opened its email by Wednesday 10:00.
    assert afternoon.case is not None
    actions.route_case(
        case=afternoon.case,
        actor=city.csr,
        department=Department.objects.get(jurisdiction=city.jurisdiction, code="roads"),
    )
    now.set(local(2026, 11, 18, 10, 0))
    care = csr.get(reverse("desk:queue", args=["care"])).content.decode()
    assert "Unread mail: 1 email</strong>, the oldest waiting 4.0 business hours (PK-EMAIL-CHECK)." in care
    roads = signed_in("staff.roads").get(reverse("desk:queue", args=["department"])).content.decode()
    assert "Unread mail: 1 email</strong>, the oldest waiting 4.0 business hours" in roads
    forestry = signed_in("staff.forestry").get(reverse("desk:queue", args=["department"])).content.decode()
    assert "Unread mail: none" in forestry

    report = signed_in("care.admin").get(reverse("desk:mail_checks"))
    assert report.status_code == 200
    text = report.content.decode()
    assert "Today's check times: 9 a.m., 1:30 p.m., 3:30 p.m.</p>" in text
    assert "2 emails opened late or not yet opened" in text
    assert display(early.case.reference) in text
    assert display(afternoon.case.reference) in text
    assert display(morning.case.reference) not in text
    assert display(evening.case.reference) not in text
    rows = text.split("<tbody>")[1]
    # Newest first: the afternoon's, unopened, 60 minutes on Tuesday and 90 on Wednesday past its 15:30 check.
    assert rows.index(display(afternoon.case.reference)) < rows.index(display(early.case.reference))
    assert "Not opened yet" in rows
    assert '<td data-label="Late by (business minutes)" class="num">150</td>' in rows
    assert '<td data-label="Late by (business minutes)" class="num">20</td>' in rows

    # Opening it ends the wait; the report keeps it, now with when it was opened.
    opened(signed_in("staff.roads"), now, local(2026, 11, 18, 10, 30), afternoon)
    now.set(local(2026, 11, 18, 11, 0))
    assert "Unread mail: none" in csr.get(reverse("desk:queue", args=["care"])).content.decode()
    text = signed_in("care.admin").get(reverse("desk:mail_checks")).content.decode()
    assert "Not opened yet" not in text
    assert '<td data-label="Late by (business minutes)" class="num">180</td>' in text
