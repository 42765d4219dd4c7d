"""PK-OOO, MB-WRITTEN over real SMTP: a resident who writes while the case's assignee is away gets the notice, once.

smtplib sends the resident's reply to the running listener (the fixtures of
test_mail_intake.py); the notice is then delivered to a real SMTP server
(test_delivery.py's) marked as an automatic reply (RFC 3834).
"""

from __future__ import annotations

from datetime import date

import pytest
from django.test import override_settings

from civicdesk.domain.cases import actions
from civicdesk.domain.cases.delivery import deliver_outbox
from civicdesk.domain.cases.references import display
from civicdesk.domain.inbox.models import InboundMessage, Outcome
from civicdesk.domain.outbox.models import MessageState, OutboxMessage
from civicdesk.domain.outbox.release import release_due_messages
from civicdesk.platform import timesource
from tests.fixtures.city import new_complaint
from tests.fixtures.clock import local
from tests.mail import test_mail_intake
from tests.mail.test_mail_intake import mail, send
from tests.outbox.test_delivery import MailServer

pytestmark = pytest.mark.django_db(transaction=True)

# The running listener on 127.0.0.1 and its data directory, as the mail intake tests have them.
data_dir = test_mail_intake.data_dir
listener = test_mail_intake.listener

NOTICE = (
    "Jordan Lee is away until Friday 20 November 2026; your message has been passed to Robin Kaur "
    "(sup.traffic@pickering.example, 905-683-7575), who will answer it."
)


def _assigned_case(city, language: str = "en"):
    case = new_complaint(
        city,
        service="POTHOLE",
        contact=actions.ContactDetails(name="Pat Resident", email="pat@example.org", language=language),
        language=language,
    )
    actions.assign_case(case=case, actor=city.csr, assignee=city.roads_staff)
    case.refresh_from_db()
    return case


def _away(city, *, starts: date, returns: date):
    return actions.record_absence(
        user=city.roads_staff,
        actor=city.roads_staff,
        starts=starts,
        returns=returns,
        alternate=city.staff("sup.traffic"),
    )


def _about(case, subject: str = "Re: your request", **headers: str):
    return mail(subject=f"{subject} {display(case.reference)}", body="The hole is deeper today.", **headers)


def _notices(case):
    return OutboxMessage.objects.filter(case=case, kind="out_of_office").order_by("pk")


def test_pk_ooo_the_resident_gets_the_notice_once_per_absence_and_the_alternate_gets_their_email(
    city, now, listener
) -> None:
    case = _assigned_case(city)
    absence = _away(city, starts=date(2026, 11, 17), returns=date(2026, 11, 20))

    send(listener, _about(case))

    [notice] = _notices(case)
    assert notice.recipient_address == "pat@example.org"
    assert notice.author is None
    assert notice.state == MessageState.PENDING  # automatic: never waits for review
    assert NOTICE in notice.body
    assert notice.body.startswith("Dear Pat Resident,")
    passed = OutboxMessage.objects.get(case=case, kind="passed_on")
    assert passed.recipient_user == city.staff("sup.traffic")
    assert "The hole is deeper today." in passed.body
    assert "Robin Kaur receives this for Jordan Lee" in passed.body

    # The same sender again: no second notice (RFC 3834); the alternate still gets the new email.
    send(listener, _about(case, "Re: again"))
    assert _notices(case).count() == 1
    assert OutboxMessage.objects.filter(case=case, kind="passed_on").count() == 2
    # Another address writing about the case is a new sender: it gets the notice too.
    send(listener, _about(case, From="Pat at work <pat.work@example.org>"))
    assert [n.recipient_address for n in _notices(case)] == ["pat@example.org", "pat.work@example.org"]
    # Automatic mail (an out-of-office of theirs) is never answered.
    send(listener, _about(case, "Out of office:", From="Pat <pat.other@example.org>", Auto_Submitted="auto-replied"))
    assert _notices(case).count() == 2

    # Back at work: no notice; a later absence is a new one, and the resident is told again.
    actions.end_absence(absence=absence, actor=city.roads_staff)
    send(listener, _about(case, "Re: still"))
    assert _notices(case).count() == 2
    now.set(local(2026, 11, 23, 10, 0))
    _away(city, starts=date(2026, 11, 23), returns=date(2026, 11, 27))
    send(listener, _about(case, "Re: next week"))
    assert [n.recipient_address for n in _notices(case)] == [
        "pat@example.org",
        "pat.work@example.org",
        "pat@example.org",
    ]
    assert "Jordan Lee is away until Friday 27 November 2026" in _notices(case).last().body
    assert InboundMessage.objects.filter(case=case, outcome=Outcome.ON_CASE).count() == 5


def test_pk_ooo_the_notice_is_in_the_case_s_language_and_sent_as_an_automatic_reply(city, now, listener) -> None:
    case = _assigned_case(city, language="fr")
    _away(city, starts=date(2026, 11, 17), returns=date(2026, 11, 20))

    send(listener, _about(case))

    [notice] = _notices(case)
    assert notice.language == "fr"
    assert "Jordan Lee est hors du bureau jusqu'au vendredi 20 novembre 2026" in notice.body
    assert "Robin Kaur (sup.traffic@pickering.example, 905-683-7575)" in notice.body
    server = MailServer()
    server.start()
    try:
        with override_settings(**server.settings()):
            release_due_messages(now=timesource.now())
            deliver_outbox()
    finally:
        server.stop()
    [received] = [m for m in server.recorder.received if m["To"] == "pat@example.org"]
    assert received["Auto-Submitted"] == "auto-replied"  # RFC 3834: an automatic answer to their message
    assert received["Content-Language"] == "fr"


def test_pk_ooo_nobody_away_no_notice(city, now, listener) -> None:
    case = _assigned_case(city)

    send(listener, _about(case))

    assert InboundMessage.objects.get(case=case).outcome == Outcome.ON_CASE
    assert not _notices(case).exists()
    assert not OutboxMessage.objects.filter(case=case, kind="passed_on").exists()
