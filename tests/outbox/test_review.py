"""Review before release (LW-CORR): a message the city reviews waits for a second person, then goes, or never goes.

Whole life over a real SMTP server (the ``smtp`` fixture of test_delivery.py): a
CSR's emailed answer waits; its author and roles that do not approve are
refused; a supervisor approves it and the worker delivers it; the journal names
the writer and the approver. The next message is returned with a reason, never
sent, its author told; the CSR writes again and that one is approved and sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings

from civicdesk.domain.cases import actions
from civicdesk.domain.cases.delivery import deliver_outbox
from civicdesk.domain.cases.errors import InvalidInput, NotAllowed, TransitionRefused
from civicdesk.domain.cases.models import Action
from civicdesk.domain.outbox.models import MessageState, OutboxMessage
from civicdesk.domain.outbox.release import release_due_messages
from civicdesk.platform import timesource
from tests.fixtures.city import new_complaint
from tests.fixtures.clock import local
from tests.outbox.test_delivery import RECEIPT, MailServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    """A real SMTP server on 127.0.0.1 that records what it is sent (test_delivery.py's)."""
    server = MailServer()
    server.start()
    with override_settings(**server.settings()):
        yield server
    server.stop()


def _reviewing(city: Any, *kinds: str) -> None:
    city.jurisdiction.review_before_release = list(kinds)
    city.jurisdiction.save(update_fields=["review_before_release"])


def _worker_run() -> int:
    """What the worker does each round: release what is due, then send what is ready."""
    release_due_messages(now=timesource.now())
    return deliver_outbox().sent


def _review_notes(case: Any) -> list[str]:
    return list(
        case.journal.filter(action=Action.NOTE, data__rule="LW-CORR")
        .order_by("sequence")
        .values_list("note", flat=True)
    )


def test_lw_corr_whole_life_answer_waits_is_approved_and_sent_then_one_returned_and_written_again(
    city, now, smtp
) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    _reviewing(city, "reply", "message")
    case = new_complaint(city, service="POTHOLE")  # Roads: Road Maintenance's supervisor approves its messages
    smtp.recorder.received.clear()
    OutboxMessage.objects.filter(case=case).update(state=MessageState.SENT)  # earlier messages are not the subject

    actions.reply_to_resident(case=case, actor=city.csr, how="email", note="The crew fills the pothole on Friday.")

    answer = OutboxMessage.objects.get(case=case, kind="reply")
    assert answer.state == MessageState.AWAITING_APPROVAL
    assert answer.author == city.csr
    assert _worker_run() == 0  # the release step never takes it
    answer.refresh_from_db()
    assert answer.state == MessageState.AWAITING_APPROVAL
    assert smtp.recorder.received == []
    assert "waits for a second person's approval" in _review_notes(case)[0]

    # The CSR's role does not approve; an approver who wrote it may not approve their own; nor another department.
    with pytest.raises(NotAllowed):
        actions.approve_message(message=answer, actor=city.csr)
    with pytest.raises(NotAllowed):
        actions.approve_message(message=answer, actor=city.forestry_supervisor)
    answer.refresh_from_db()
    assert answer.state == MessageState.AWAITING_APPROVAL

    now.advance(timedelta(hours=2))
    actions.approve_message(message=answer, actor=city.roads_supervisor)

    answer.refresh_from_db()
    assert (answer.state, answer.reviewed_by, answer.reviewed_at) == (
        MessageState.PENDING,
        city.roads_supervisor,
        local(2026, 11, 2, 12, 0),
    )
    assert _review_notes(case)[-1] == (
        f"{answer.subject}: written by Alex Martin, approved by Chris Patel. No one else is copied."
    )
    with pytest.raises(TransitionRefused):  # approved once; never twice
        actions.approve_message(message=answer, actor=city.care_admin)

    assert _worker_run() == 1
    [delivered] = smtp.recorder.received
    assert delivered["To"] == "pat@example.org"
    assert "The crew fills the pothole on Friday." in delivered.get_content()
    answer.refresh_from_db()
    assert answer.state == MessageState.SENT

    # The next message: returned with the reason, never sent, and its author told.
    actions.write_to_resident(case=case, actor=city.csr, note="The crew comes Monday insted.")
    second = OutboxMessage.objects.get(case=case, kind="message")
    assert second.state == MessageState.AWAITING_APPROVAL
    with pytest.raises(InvalidInput) as empty:
        actions.return_message(message=second, actor=city.roads_supervisor, reason="  ")
    assert empty.value.field == "reason"

    actions.return_message(message=second, actor=city.roads_supervisor, reason="Spelling: 'instead'. Say which Monday.")

    second.refresh_from_db()
    assert (second.state, second.reviewed_by) == (MessageState.RETURNED, city.roads_supervisor)
    assert second.return_reason == "Spelling: 'instead'. Say which Monday."
    assert _review_notes(case)[-1] == (
        f"{second.subject}: returned by Chris Patel, not sent: Spelling: 'instead'. Say which Monday."
    )
    told = OutboxMessage.objects.get(case=case, kind="message_returned")
    assert told.recipient_user == city.csr
    assert "Chris Patel returned your message" in told.body
    assert "Say which Monday." in told.body
    with pytest.raises(TransitionRefused):  # a returned message is never approved after all
        actions.approve_message(message=second, actor=city.care_admin)
    smtp.recorder.received.clear()
    _worker_run()
    assert [m["To"] for m in smtp.recorder.received] == ["csr.alex@pickering.example"]  # the author, not the resident
    second.refresh_from_db()
    assert second.state == MessageState.RETURNED
    assert second.sent_at is None

    # The CSR writes again; the Customer Care administrator approves it; it goes.
    actions.write_to_resident(case=case, actor=city.csr, note="The crew comes on Monday 9 November instead.")
    third = OutboxMessage.objects.filter(case=case, kind="message").latest("pk")
    assert third.pk != second.pk
    assert third.state == MessageState.AWAITING_APPROVAL
    actions.approve_message(message=third, actor=city.care_admin)
    _worker_run()
    sent_to_resident = [m for m in smtp.recorder.received if m["To"] == "pat@example.org"]
    assert len(sent_to_resident) == 1
    assert "Monday 9 November instead" in sent_to_resident[0].get_content()
    assert "insted" not in "".join(m.get_content() for m in smtp.recorder.received)
    assert _review_notes(case)[-1].endswith("written by Alex Martin, approved by Morgan Singh. No one else is copied.")


def test_lw_corr_an_approver_who_wrote_a_message_asks_a_second_person(city, now) -> None:
    _reviewing(city, "acknowledgement")
    case = new_complaint(city, service="POTHOLE")

    actions.acknowledge_case(case=case, actor=city.roads_supervisor, message="We inspect it tomorrow.")

    ack = OutboxMessage.objects.get(case=case, kind="acknowledgement")
    assert ack.state == MessageState.AWAITING_APPROVAL
    with pytest.raises(NotAllowed) as own:
        actions.approve_message(message=ack, actor=city.roads_supervisor)
    assert own.value.code == "own_message"
    assert "a second person must approve it" in own.value.message
    actions.approve_message(message=ack, actor=city.roads_director)
    ack.refresh_from_db()
    assert ack.state == MessageState.PENDING


def test_lw_corr_messages_the_product_writes_itself_never_wait(city, now) -> None:
    _reviewing(city, "reply", "acknowledgement", "closed", "receipt")  # a receipt listed by hand still never waits
    case = new_complaint(
        city,
        actor=None,
        actor_label="resident (web)",
        channel="web",
        contact=actions.ContactDetails(name="Pat Resident", email="pat@example.org"),
        receipt=RECEIPT,
    )

    receipt = OutboxMessage.objects.get(case=case, kind="receipt")
    assert receipt.state == MessageState.PENDING
    assert receipt.author is None


def test_lw_corr_a_city_without_review_sends_at_once_with_the_author_recorded(city, now, smtp) -> None:
    case = new_complaint(city, service="POTHOLE")

    actions.reply_to_resident(case=case, actor=city.csr, how="email", note="Filled this morning.")

    answer = OutboxMessage.objects.get(case=case, kind="reply")
    assert (answer.state, answer.author) == (MessageState.PENDING, city.csr)
    assert _worker_run() >= 1
    answer.refresh_from_db()
    assert answer.state == MessageState.SENT
    assert _review_notes(case) == []
