"""Every path that ends a case keeps PK-CLOSE and PK-COUNCIL: close, redirect, duplicate-of, on the API and the desk.

Work only scheduled is not work done: a case with an agreed timeline closes once staff record the work done.
"""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.domain.cases import actions
from civicdesk.domain.cases.models import Case, Status
from civicdesk.domain.cases.references import display
from civicdesk.domain.staff.models import User
from tests.api.conftest import row_counts


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def _refused(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    error: dict[str, Any] = response.json()["error"]
    return error


def _desk(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


ENDINGS = {
    # path → (API body, desk action, desk form)
    "close": ({"note": "Done"}, "close", {"close-resolution": "resolved", "close-note": "Done"}),
    "redirect": (
        {"reason": "Provincial highway", "redirect_to": "Ministry of Transportation"},
        "redirect",
        {"redirect-reason": "Provincial highway", "redirect-redirect_to": "Ministry of Transportation"},
    ),
    "duplicate-of": ({"parent": "{parent}"}, "duplicate", {"duplicate-parent": "{parent}"}),
}


def _bodies(path: str, parent: Case) -> tuple[dict[str, str], str, dict[str, str]]:
    body, action, form = ENDINGS[path]
    fill = display(parent.reference)
    return (
        {k: v.replace("{parent}", fill) for k, v in body.items()},
        action,
        {k: v.replace("{parent}", fill) for k, v in form.items()},
    )


@pytest.mark.parametrize("path", list(ENDINGS))
@pytest.mark.parametrize("who", ["csr.alex", "staff.roads"])
def test_pk_council_only_customer_care_ends_a_council_case_by_any_path(
    api_as: Any, make_case: Any, path: str, who: str
) -> None:
    case = make_case("STREETLIGHT", council_involved=True)
    parent = make_case("STREETLIGHT")
    actions.record_update(case=case, actor=None, update="resident_advised", note="Filled; resident told.")
    body, action, form = _bodies(path, parent)
    before = row_counts()

    error = _refused(api_as(who).post(f"/cases/{case.reference}/{path}", body), 409)
    assert (error["rule"], error["code"]) == ("PK-COUNCIL", "council_case")
    page = _desk(who).post(reverse("desk:transition", args=[case.reference, action]), form)
    assert page.status_code == 409
    assert "closed only by Customer Care (PK-COUNCIL)" in unescape(page.content.decode())
    assert row_counts() == before

    assert _ok(api_as("care.admin").post(f"/cases/{case.reference}/{path}", body))["status"] == "closed"


@pytest.mark.parametrize("path", ["redirect", "duplicate-of"])
def test_pk_close_redirect_and_duplicate_wait_for_the_open_items(api_as: Any, make_case: Any, path: str) -> None:
    case, parent = make_case("STREETLIGHT"), make_case("STREETLIGHT")
    roads = api_as("staff.roads")
    item = _ok(roads.post(f"/cases/{case.reference}/items", {"description": "Cold patch"}), 201)
    body, action, form = _bodies(path, parent)

    error = _refused(api_as("csr.alex").post(f"/cases/{case.reference}/{path}", body), 409)
    assert (error["rule"], error["code"]) == ("PK-CLOSE", "open_items")
    assert [i["description"] for i in error["details"]["items"]] == ["Cold patch"]
    page = _desk("csr.alex").post(reverse("desk:transition", args=[case.reference, action]), form)
    assert page.status_code == 409
    assert "Open item: Cold patch" in unescape(page.content.decode())

    _ok(roads.post(f"/cases/{case.reference}/items/{item['id']}/done", {"note": "Patched"}))
    assert _ok(api_as("csr.alex").post(f"/cases/{case.reference}/{path}", body))["status"] == "closed"


def test_pk_close_work_only_scheduled_does_not_close_until_it_is_recorded_done(api_as: Any, make_case: Any) -> None:
    case = make_case("STREETLIGHT")
    ref = case.reference
    roads = api_as("staff.roads")
    plan = {"update": "action_planned", "note": "On the patching list", "timeline": "2026-12-01T16:00:00-05:00"}
    _ok(roads.post(f"/cases/{ref}/updates", plan))
    _ok(roads.post(f"/cases/{ref}/updates", {"update": "resident_advised", "note": "Told: patching on 1 December"}))

    error = _refused(roads.post(f"/cases/{ref}/close", {"note": "Scheduled"}), 409)
    assert error["code"] == "open_items"
    assert [(c["purpose"], c["standard"]) for c in error["details"]["commitments"]] == [("complete", "PK-UPDATE")]
    page = _desk("staff.roads").post(
        reverse("desk:transition", args=[ref, "close"]), {"close-resolution": "resolved", "close-note": "Scheduled"}
    )
    assert page.status_code == 409
    assert "Open commitment: Complete by the agreed timeline (PK-UPDATE)" in unescape(page.content.decode())

    done = _ok(roads.post(f"/cases/{ref}/updates", {"update": "work_done", "note": "Patched"}))
    complete = next(c for c in done["commitments"] if c["purpose"] == "complete")
    assert complete["state"] == "met"
    assert {c["state"] for c in done["commitments"] if c["purpose"] == "timeline_notice"} == {"cancelled"}
    assert _ok(roads.post(f"/cases/{ref}/close", {"note": "Patched"}))["status"] == "closed"
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_pk_close_work_done_needs_an_agreed_timeline(api_as: Any, make_case: Any) -> None:
    case = make_case("STREETLIGHT")
    error = _refused(
        api_as("staff.roads").post(f"/cases/{case.reference}/updates", {"update": "work_done", "note": "x"}), 409
    )
    assert error["field"] == "update"
    assert "no agreed timeline" in error["message"]
