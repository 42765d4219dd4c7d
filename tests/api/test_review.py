"""Review before release (LW-CORR) through the staff API: list what awaits approval, approve it or return it."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.channels.api.tokens import issue_token
from civicdesk.domain.cases import actions
from civicdesk.domain.outbox.models import MessageState, OutboxMessage
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewing(city: Any) -> Any:
    city.jurisdiction.review_before_release = ["acknowledgement", "reply"]
    city.jurisdiction.save(update_fields=["review_before_release"])
    return city


def test_lw_corr_the_api_lists_approves_and_returns_and_refuses_in_words(reviewing, api_as, make_case, user) -> None:
    first, second = make_case("POTHOLE"), make_case("POTHOLE")
    actions.acknowledge_case(case=first, actor=user("care.admin"), message="We inspect it tomorrow.")
    actions.reply_to_resident(case=second, actor=user("csr.alex"), how="email", note="Filled this morning.")
    ack = OutboxMessage.objects.get(case=first, kind="acknowledgement")
    reply = OutboxMessage.objects.get(case=second, kind="reply")
    care = api_as("care.admin")

    listed = care.get("/messages/awaiting-approval").json()
    assert [m["id"] for m in listed["items"]] == [ack.pk, reply.pk]  # oldest first
    assert listed["items"][1]["author"] == "csr.alex"
    assert listed["items"][1]["to"] == "pat@example.org"
    assert listed["items"][1]["body"] == reply.body

    own = care.post(f"/messages/{ack.pk}/approve")
    assert own.status_code == 403
    assert own.json()["error"]["code"] == "own_message"
    assert "a second person must approve it" in own.json()["error"]["message"]

    approved = api_as("sup.roads").post(f"/messages/{ack.pk}/approve")
    assert approved.status_code == 200
    assert (approved.json()["state"], approved.json()["reviewed_by"]) == ("pending", "sup.roads")
    again = care.post(f"/messages/{ack.pk}/approve")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "not_awaiting")

    missing = care.post(f"/messages/{reply.pk}/return", {"reason": " "})
    assert (missing.status_code, missing.json()["error"]["field"]) == (422, "reason")
    returned = care.post(f"/messages/{reply.pk}/return", {"reason": "Say when it was filled."})
    assert returned.status_code == 200
    assert (returned.json()["state"], returned.json()["return_reason"]) == ("returned", "Say when it was filled.")
    reply.refresh_from_db()
    assert reply.state == MessageState.RETURNED
    assert care.get("/messages/awaiting-approval").json()["items"] == []
    # Another department's supervisor is not told the message exists.
    forestry = Api(issue_token(user=user("sup.forestry"))[1])
    assert forestry.post(f"/messages/{reply.pk}/approve").status_code == 404
