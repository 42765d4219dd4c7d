"""PK-CALLBACK, PK-EMAIL-ANSWER: a CSR who returns a call or answers an email records it, and can close the case.

Each scenario reads the case on the API and the desk: both show what was met and the answer in the journal.
"""

from __future__ import annotations

from html import unescape
from typing import Any

from django.test import Client
from django.urls import reverse

from civicdesk.domain.outbox.models import OutboxMessage
from civicdesk.domain.staff.models import User


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def _desk(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _states(out: dict[str, Any]) -> dict[str, str]:
    return {c["standard"]: c["state"] for c in out["commitments"]}


def test_pk_callback_a_csr_returns_a_voicemail_and_closes_it(api_as: Any, make_case: Any) -> None:
    case = make_case(None, kind="inquiry", channel="voicemail", description="When is leaf pickup on my street?")
    csr = api_as("csr.alex")
    assert _states(_ok(csr.get(f"/cases/{case.reference}")))["PK-CALLBACK"] == "pending"

    desk = _desk("csr.alex")
    response = desk.post(
        reverse("desk:transition", args=[case.reference, "reply"]),
        {"reply-how": "call_returned", "reply-note": "Leaf pickup on Elm St is the week of 23 November."},
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    out = _ok(csr.get(f"/cases/{case.reference}"))
    assert _states(out)["PK-CALLBACK"] == "met"
    assert out["public_note"] == "Leaf pickup on Elm St is the week of 23 November."
    journal = _ok(csr.get(f"/cases/{case.reference}/journal"))
    assert (journal[-1]["action"], journal[-1]["data"]["how"]) == ("resident_advised", "call_returned")
    page = unescape(desk.get(reverse("desk:case", args=[case.reference])).content.decode())
    assert "Leaf pickup on Elm St is the week of 23 November." in page

    closed = _ok(csr.post(f"/cases/{case.reference}/close", {"note": "Answered by phone."}))
    assert closed["status"] == "closed"


def test_pk_email_answer_a_csr_answers_an_emailed_inquiry_by_email_and_closes_it(api_as: Any, make_case: Any) -> None:
    case = make_case(None, kind="inquiry", channel="email", description="Do I need a permit for a fence?")
    csr = api_as("csr.alex")
    before = _states(_ok(csr.get(f"/cases/{case.reference}")))
    assert (before["PK-EMAIL-ACK"], before["PK-EMAIL-ANSWER"]) == ("pending", "pending")

    answer = "Fences under 2 m need no permit; see the fence by-law on pickering.ca."
    out = _ok(csr.post(f"/cases/{case.reference}/replies", {"how": "email", "note": answer}))
    assert (_states(out)["PK-EMAIL-ACK"], _states(out)["PK-EMAIL-ANSWER"]) == ("met", "met")
    sent = OutboxMessage.objects.get(case=case, kind="reply")
    assert sent.recipient_address == "pat@example.org"
    # The answer as written, with the greeting and the standard signature (MB-WRITTEN, LW-CORR).
    assert sent.body.startswith(f"Dear Pat Resident,\n\n{answer}\n\nAlex Martin")
    assert sent.body.endswith("Customer Care\n905-683-7575\nCity of Pickering")

    again = csr.post(f"/cases/{case.reference}/replies", {"how": "phone", "note": "Called too"})
    assert again.status_code == 409  # nothing is owed any more: the journal never claims an empty answer
    assert _ok(csr.post(f"/cases/{case.reference}/close", {"note": "Answered by email."}))["status"] == "closed"
