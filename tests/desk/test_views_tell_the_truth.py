"""Views that told the wrong story (PK-REPORT, PK-ESC): each scenario is read on the desk and on the staff API."""

from __future__ import annotations

import json
import re
from html import unescape

from django.test import Client
from django.urls import reverse

from civicdesk.channels.api.tokens import issue_token
from civicdesk.domain.cases import actions
from civicdesk.domain.cases.models import CommitmentState, Purpose
from civicdesk.domain.cases.references import display
from civicdesk.domain.cases.sweep import run_sweep
from tests.fixtures.city import new_complaint
from tests.fixtures.clock import local
from tests.fixtures.ladder import escalated_complaint


def _api_get(city, username: str, path: str):
    token = issue_token(user=city.staff(username))[1]
    response = Client().get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def _row(page: str, reference: str) -> str:
    return page.split(display(reference), 1)[1].split("</tr>", 1)[0]


def test_pk_report_customer_cares_supervisor_and_director_see_the_citys_open_cases(city, signed_in) -> None:
    tree = new_complaint(city)
    pothole = new_complaint(city, service="POTHOLE")
    for username in ("sup.care", "dir.care"):
        page = unescape(signed_in(username).get(reverse("desk:outstanding")).content.decode())
        assert "No open cases" not in page
        assert display(tree.reference) in page
        assert display(pothole.reference) in page
        listed = {c["reference"] for c in _api_get(city, username, "/cases")["results"]}
        assert {tree.reference, pothole.reference} <= listed
    # A department's own supervisor still reads only their department's cases.
    page = signed_in("sup.forestry").get(reverse("desk:outstanding")).content.decode()
    assert display(tree.reference) in page
    assert display(pothole.reference) not in page


def test_pk_esc_an_escalated_case_shows_how_overdue_it_is_and_is_not_due_soon(city, signed_in, now) -> None:
    case = escalated_complaint(city, now, step=3)  # follow-up date Tuesday 10 November; now Tuesday 17 November
    actions.acknowledge_case(case=case, actor=city.csr, message="We will prune it.")  # only the ladder is late
    page = unescape(signed_in("sup.forestry").get(reverse("desk:escalations")).content.decode())
    row = _row(page, case.reference)
    overdue = re.search(r'data-label="Business days overdue" class="num">(\d+)<', row)
    assert overdue is not None
    assert overdue.group(1) == "5"  # 11, 12, 13, 16, 17 November
    assert "Breached" in row
    assert "Due soon" not in row
    out = _api_get(city, "sup.forestry", f"/cases/{case.reference}")
    assert out["clock_state"] == "breached"
    queue = unescape(signed_in("csr.alex").get(reverse("desk:queue", args=["care"])).content.decode())
    assert "Breached" in _row(queue, case.reference)


def test_pk_esc_the_commitments_table_shows_the_live_ladder_and_folds_its_history(city, signed_in, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    now.set(local(2026, 11, 27, 16, 31))
    run_sweep()  # requests 1 to 8: Monday 16 November to Friday 27 November
    assert case.follow_up_request_log.count() == 8
    page = unescape(signed_in("csr.alex").get(reverse("desk:case", args=[case.reference])).content.decode())
    table = page.split('id="commitments-heading"', 1)[1].split("</table>", 1)[0]
    follow_up_rows = table.count("Department update by the follow-up date")
    assert follow_up_rows == 2  # the next request's date, and the follow-up date missed since 16 November
    history = page.split('class="commitment-history"', 1)[1].split("</details>", 1)[0]
    assert "History: 7 earlier dates, superseded or answered" in history
    # The API keeps every row: the fold is the desk's reading, not a loss of record.
    out = _api_get(city, "csr.alex", f"/cases/{case.reference}")
    follow_ups = [c for c in out["commitments"] if c["purpose"] == "follow_up"]
    assert len(follow_ups) == 9
    assert case.commitments.filter(purpose=Purpose.FOLLOW_UP, state=CommitmentState.PENDING).count() == 1
