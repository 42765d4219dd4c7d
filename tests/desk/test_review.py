"""Review before release (LW-CORR) on the desk: the thread shows what awaits approval, approvers approve or return it.

The city's administrator chooses in the administration site which messages are
reviewed; a CSR answers by email from the thread and is told it waits; the
supervisor finds it on *Awaiting approval* (oldest first, with how long it has
waited) and on the case page, and approves or returns it with the reason.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from civicdesk.domain.cases import actions
from civicdesk.domain.outbox.models import MessageState, OutboxMessage
from civicdesk.platform import timesource
from tests.fixtures.city import new_complaint

pytestmark = pytest.mark.django_db


def _reviewing(city, *kinds: str) -> None:
    city.jurisdiction.review_before_release = list(kinds)
    city.jurisdiction.save(update_fields=["review_before_release"])


def _page(client, case) -> str:
    response = client.get(reverse("desk:case", args=[case.reference]))
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_administrator_chooses_the_reviewed_messages_and_an_unknown_kind_is_refused_in_words(
    city, signed_in
) -> None:
    admin = signed_in("care.admin")
    url = f"/admin/city/jurisdiction/{city.jurisdiction.pk}/change/"
    form = {
        "slug": city.jurisdiction.slug,
        "name": city.jurisdiction.name,
        "languages": '["en", "fr", "es"]',
        "ombudsman_information": "",
    }
    page = admin.get(url).content.decode()
    assert 'value="reply"' in page
    assert 'value="closed"' in page
    assert 'value="receipt"' not in page  # the product's own messages never wait

    refused = admin.post(url, {**form, "review_before_release": ["reply", "lunch_menu"]})
    assert refused.status_code == 200
    assert "lunch_menu is not a message the product sends to residents" in refused.content.decode()
    city.jurisdiction.refresh_from_db()
    assert city.jurisdiction.review_before_release == []

    saved = admin.post(url, {**form, "review_before_release": ["reply", "closed"]})
    assert saved.status_code == 302
    city.jurisdiction.refresh_from_db()
    assert city.jurisdiction.review_before_release == ["reply", "closed"]


def test_lw_corr_an_answer_waits_on_the_thread_and_the_review_page_until_a_supervisor_approves_it(
    city, signed_in, now
) -> None:
    _reviewing(city, "reply", "message")
    case = new_complaint(city, service="POTHOLE")
    csr = signed_in("csr.alex")

    answered = csr.post(
        reverse("desk:answer_by_email", args=[case.reference]), {"email-note": "We fill it on Friday."}, follow=True
    )
    assert "waits for a second person&#x27;s approval before it is sent" in answered.content.decode()
    message = OutboxMessage.objects.get(case=case, kind="reply")
    assert message.state == MessageState.AWAITING_APPROVAL

    # The author sees it waiting, with who wrote it, and no buttons; the review page is not theirs.
    page = _page(csr, case)
    assert "Awaiting approval" in page
    assert "Written by Alex Martin; a second person approves it before it is sent" in page
    assert reverse("desk:approve_message", args=[message.pk]) not in page
    assert csr.get(reverse("desk:review")).status_code == 403
    assert csr.post(reverse("desk:approve_message", args=[message.pk])).status_code == 302
    message.refresh_from_db()
    assert message.state == MessageState.AWAITING_APPROVAL  # refused, in words, and nothing changed

    # The supervisor: the review page lists it with how long it has waited; the case page has the buttons.
    now.advance(timedelta(hours=3))
    supervisor = signed_in("sup.roads")
    older = new_complaint(city, service="POTHOLE")
    actions.reply_to_resident(case=older, actor=city.csr, how="email", note="A second message, written later.")
    listing = supervisor.get(reverse("desk:review")).content.decode()
    assert "We fill it on Friday." in listing
    assert listing.index("We fill it on Friday.") < listing.index("A second message, written later.")  # oldest first
    assert "3\xa0hours" in listing
    assert "Awaiting approval" in listing  # the navigation names the page
    assert reverse("desk:approve_message", args=[message.pk]) in _page(supervisor, case)
    # Another department's supervisor sees nothing of it.
    assert "We fill it on Friday." not in signed_in("sup.forestry").get(reverse("desk:review")).content.decode()

    approved = supervisor.post(
        reverse("desk:approve_message", args=[message.pk]), {"back": "case"}, follow=True
    ).content.decode()
    assert "Approved: the message is on its way to the resident." in approved
    message.refresh_from_db()
    assert (message.state, message.reviewed_by) == (MessageState.PENDING, city.roads_supervisor)
    page = _page(supervisor, case)
    assert "by Chris Patel" in page
    assert "written by Alex Martin, approved by Chris Patel" in page  # the journal on the case page


def test_lw_corr_returning_needs_a_reason_and_the_author_reads_it_on_the_case(city, signed_in, now) -> None:
    _reviewing(city, "message")
    case = new_complaint(city, service="POTHOLE")
    actions.reply_to_resident(case=case, actor=city.csr, how="phone", note="Called Pat back.")
    actions.write_to_resident(case=case, actor=city.csr, note="Your pothole is filled.")
    message = OutboxMessage.objects.get(case=case, kind="message")
    care = signed_in("care.admin")

    empty = care.post(reverse("desk:return_message", args=[message.pk]), {"reason": ""}, follow=True)
    assert "Say why the message is returned, so its author can write it again." in empty.content.decode()
    message.refresh_from_db()
    assert message.state == MessageState.AWAITING_APPROVAL

    returned = care.post(
        reverse("desk:return_message", args=[message.pk]), {"reason": "Give the date it was filled."}, follow=True
    )
    assert "Returned: the message will not be sent, and its author is told why." in returned.content.decode()
    message.refresh_from_db()
    assert message.state == MessageState.RETURNED
    page = _page(signed_in("csr.alex"), case)
    assert "Returned, not sent" in page
    assert "Reason: Give the date it was filled." in page
    assert OutboxMessage.objects.get(case=case, kind="message_returned").recipient_user == city.csr
    again = care.post(reverse("desk:approve_message", args=[message.pk]), follow=True).content.decode()
    assert "no longer awaiting approval" in again
    assert signed_in("manager").get(reverse("desk:review")).status_code == 403


def test_lw_corr_a_timeline_change_says_the_resident_is_not_told_until_its_email_is_approved(
    city, signed_in, now
) -> None:
    _reviewing(city, "timeline_changed")
    case = new_complaint(city, service="POTHOLE")
    actions.record_update(
        case=case,
        actor=None,
        update="action_planned",
        note="Crew booked.",
        timeline=timesource.now() + timedelta(days=21),
    )

    response = signed_in("staff.roads").post(
        reverse("desk:transition", args=[case.reference, "timeline"]),
        {"timeline-timeline": "2026-12-15", "timeline-reason": "The asphalt plant is closed."},
        follow=True,
    )

    page = response.content.decode()
    assert "Timeline changed." in page
    assert "Timeline changed; the resident is told." not in page
    assert "waits for a second person&#x27;s approval before it is sent" in page
    held = OutboxMessage.objects.get(case=case, kind="timeline_changed")
    assert (held.state, held.author) == (MessageState.AWAITING_APPROVAL, city.roads_staff)
