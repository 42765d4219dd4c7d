"""PK-FOLLOW and PK-ESC through the staff API and the desk: requests with a message, on their dates, in rounds.

Each scenario ends by reading the case on both faces: the API's follow-up requests and the desk's case page
tell the same story (numbers, rounds and steps, who was copied, the message).
"""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape
from typing import Any

from django.test import Client
from django.urls import reverse

from civicdesk.domain.cases.models import Case
from civicdesk.domain.staff.models import User
from tests.api.conftest import row_counts
from tests.fixtures.clock import local


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def _desk(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _desk_rows(case: Case) -> list[list[str]]:
    """The desk's follow-up table, one list of cell texts per request."""
    page = _desk("csr.alex").get(reverse("desk:case", args=[case.reference])).content.decode()
    table = page.split('class="responsive follow-ups"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], flags=re.S)
    return [
        [
            " ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        ]
        for row in rows
    ]


def _same_story(api: Any, case: Case) -> list[dict[str, Any]]:
    """The API's requests and the desk's rows agree request by request; the API's list is returned."""
    sent = _ok(api.get(f"/cases/{case.reference}/follow-up-requests"))
    rows = _desk_rows(case)
    assert len(rows) == len(sent)
    names = {
        u.username: u.get_full_name() for u in User.objects.filter(username__in=[n for r in sent for n in r["copied"]])
    }
    for request, row in zip(sent, rows, strict=True):
        number, place, _sent, message, copied, _next = row
        assert number == str(request["number"])
        if request["step"]:
            assert place == f"round {request['round']}, step {request['step']}"
        else:
            assert place == f"round {request['round']}, before the first step"
        assert message.startswith(" ".join(request["message"].split()))
        if request["early_reason"]:
            assert request["early_reason"] in message
        assert (set(copied.split(", ")) if copied != "—" else set()) == {names[n] for n in request["copied"]}
    case_out = _ok(api.get(f"/cases/{case.reference}"))
    page = _desk("csr.alex").get(reverse("desk:case", args=[case.reference])).content.decode()
    assert f"step {case_out['follow_up_requests']} of round {case_out['follow_up_round']}" in page
    assert case_out["follow_ups_sent"] == len(sent)
    return list(sent)


def test_pk_follow_a_request_before_its_date_needs_a_reason_and_climbs_no_step(
    api_as: Any, make_case: Any, now: Any
) -> None:
    case = make_case("POTHOLE")  # Tuesday 17 November; follow-up date Tuesday 1 December
    csr = api_as("csr.alex")
    before = row_counts()

    refused = csr.post(f"/cases/{case.reference}/follow-up-requests", {"message": "Any news?"})
    assert refused.status_code == 422, refused.content
    error = refused.json()["error"]
    assert (error["field"], error["rule"]) == ("reason", "PK-FOLLOW")
    assert "Tuesday 01 December 2026 10:00" in error["message"]
    assert row_counts() == before  # nothing sent, nothing journaled

    # Four requests in four seconds, each with its reason: the department is asked four times, nobody is copied.
    early = []
    for second in range(4):
        now.set(local(2026, 11, 17, 10, 0).replace(second=second))
        body = {"message": f"Pat called again ({second + 1})", "reason": "the resident called"}
        early.append(_ok(csr.post(f"/cases/{case.reference}/follow-up-requests", body), 201))
    assert [(r["number"], r["step"], r["copied"]) for r in early] == [(n, 0, []) for n in (1, 2, 3, 4)]
    assert {datetime.fromisoformat(r["next_due_at"]) for r in early} == {local(2026, 12, 1, 10, 0)}  # dates kept
    assert early[0]["sent_by"] == "csr.alex"
    assert early[0]["message"] == "Pat called again (1)"
    assert early[0]["early_reason"] == "the resident called"

    # On the date the first step goes, with the ladder's own text when the CSR writes none.
    now.set(local(2026, 12, 1, 10, 0))
    first = _ok(csr.post(f"/cases/{case.reference}/follow-up-requests"), 201)
    assert (first["number"], first["step"], first["early_reason"]) == (5, 1, "")
    assert first["message"].startswith("All calls must have an update by the agreed upon follow up date")
    _same_story(csr, case)


def test_pk_esc_second_round_through_the_api_and_the_desk(api_as: Any, make_case: Any, now: Any) -> None:
    case = make_case("POTHOLE")  # routed to Roads Tuesday 17 November 10:00
    csr, roads = api_as("csr.alex"), api_as("staff.roads")
    due = local(2026, 12, 1, 10, 0)

    for _ in range(3):  # round 1 through the API, each request on its date
        now.set(due)
        sent = _ok(csr.post(f"/cases/{case.reference}/follow-up-requests"), 201)
        due = datetime.fromisoformat(sent["next_due_at"])
    assert "sup.roads" in sent["copied"]
    assert due == local(2026, 12, 8, 16, 30)

    now.set(local(2026, 12, 4, 9, 0))
    _ok(roads.post(f"/cases/{case.reference}/updates", {"update": "inspected", "note": "Deep; crew booked."}))
    out = _ok(csr.get(f"/cases/{case.reference}"))
    follow_up = next(c for c in out["commitments"] if c["standard"] == "PK-FOLLOW" and c["state"] == "pending")
    assert datetime.fromisoformat(follow_up["due_at"]) == local(2026, 12, 18, 9, 0)

    # Round 2 from the desk, past the next follow-up date, to the director's copy.
    desk = _desk("csr.alex")
    due = local(2026, 12, 18, 9, 0)
    for _ in range(4):
        now.set(due)
        response = desk.post(reverse("desk:transition", args=[case.reference, "follow_up"]), {})
        assert response.status_code == 302, response.content.decode()[:2000]
        due = datetime.fromisoformat(_ok(csr.get(f"/cases/{case.reference}/follow-up-requests"))[-1]["next_due_at"])

    sent_all = _same_story(csr, case)
    assert [(r["number"], r["round"], r["step"]) for r in sent_all] == [
        (1, 1, 1),
        (2, 1, 2),
        (3, 1, 3),
        (4, 2, 1),
        (5, 2, 2),
        (6, 2, 3),
        (7, 2, 4),
    ]
    # Wednesday 23, Thursday 24 and Tuesday 29 December: Christmas and Boxing Day (observed Monday 28) skipped.
    assert datetime.fromisoformat(sent_all[5]["next_due_at"]) == local(2026, 12, 29, 16, 30)
    assert sent_all[5]["copied"] == ["sup.roads"]
    assert sent_all[6]["copied"] == ["dir.roads", "sup.roads"]
    out = _ok(csr.get(f"/cases/{case.reference}"))
    assert (out["follow_ups_sent"], out["follow_up_round"], out["follow_up_requests"]) == (7, 2, 4)
