"""Staff API tokens: stored as digests, revocable, issued by `create_api_token`; sessions need CSRF."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from civicdesk.channels.api.models import ApiToken
from civicdesk.channels.api.tokens import issue_token, revoke
from civicdesk.platform import timesource
from tests.api.conftest import BASE, Api
from tests.fixtures.processes import civicdesk_env, run_civicdesk


def test_only_a_sha256_digest_of_the_token_is_stored(user: Any) -> None:
    row, token = issue_token(user=user("csr.alex"), name="works orders")

    stored = ApiToken.objects.values().get(pk=row.pk)
    assert token not in str(stored)
    assert stored["digest"] == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(stored["prefix"])
    assert stored["jurisdiction_id"] == user("csr.alex").jurisdiction_id


def test_token_authenticates_as_its_staff_member_and_notes_last_use(user: Any) -> None:
    row, token = issue_token(user=user("staff.roads"))

    response = Api(token).get("/cases")

    assert response.status_code == 200
    row.refresh_from_db()
    assert row.last_used_at == timesource.now()


def test_last_use_is_recorded_at_most_once_a_minute(user: Any) -> None:
    row, token = issue_token(user=user("staff.roads"))
    api = Api(token)
    api.get("/cases")
    first = ApiToken.objects.get(pk=row.pk).last_used_at

    timesource.advance(timedelta(seconds=30))
    api.get("/cases")
    assert ApiToken.objects.get(pk=row.pk).last_used_at == first

    timesource.advance(timedelta(seconds=31))
    api.get("/cases")
    assert ApiToken.objects.get(pk=row.pk).last_used_at == timesource.now()


def test_revoked_token_is_401(user: Any) -> None:
    row, token = issue_token(user=user("csr.alex"))
    assert Api(token).get("/cases").status_code == 200

    assert revoke(ApiToken.objects.filter(pk=row.pk)) == 1
    assert revoke(ApiToken.objects.filter(pk=row.pk)) == 0  # revoking again keeps the first time

    response = Api(token).get("/cases")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_token_of_a_deactivated_staff_member_is_401(user: Any) -> None:
    staff = user("staff.roads")
    _row, token = issue_token(user=staff)
    staff.is_active = False
    staff.save(update_fields=["is_active"])

    assert Api(token).get("/cases").status_code == 401


def test_admin_lists_and_revokes_tokens_but_never_creates_them(user: Any) -> None:
    from civicdesk.domain.staff.models import User

    row, _token = issue_token(user=user("csr.alex"), name="integration")
    admin = User.objects.create_superuser("root", "root@example.org", "correct horse battery staple")
    browser = Client()
    browser.force_login(admin)

    listing = browser.get("/admin/api/apitoken/")
    assert listing.status_code == 200
    assert row.prefix in listing.content.decode()
    assert browser.get("/admin/api/apitoken/add/").status_code == 403

    browser.post("/admin/api/apitoken/", {"action": "revoke_tokens", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.revoked_at is not None


# --- the desk's session ------------------------------------------------------------------------------


def test_signed_in_session_reads_and_writes_with_csrf(user: Any, make_case: Any) -> None:
    case = make_case("POTHOLE")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user("staff.roads"))

    assert browser.get(f"{BASE}/cases/{case.reference}").status_code == 200

    path = f"{BASE}/cases/{case.reference}/items"
    refused = browser.post(path, {"description": "Fill it"}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"

    browser.get(f"{BASE}/docs")  # the docs page sets the CSRF cookie, as the desk's pages do
    csrf = browser.cookies["csrftoken"].value
    accepted = browser.post(
        path, {"description": "Fill it"}, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert accepted.status_code == 201


# --- create_api_token ------------------------------------------------------------------------------------


def test_create_api_token_prints_the_token_alone_on_its_last_line(user: Any) -> None:
    out = io.StringIO()
    call_command("create_api_token", "sup.roads", "--name", "crew tablets", stdout=out)

    lines = out.getvalue().rstrip("\n").splitlines()
    token = lines[-1]
    assert token == token.strip()
    assert " " not in token
    assert len(token) > 40
    row = ApiToken.objects.get(user=user("sup.roads"))
    assert row.name == "crew tablets"
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    assert Api(token).get("/cases").status_code == 200


@pytest.mark.parametrize(
    ("username", "message"), [("nobody", "no staff member with username 'nobody'"), ("staff.roads", "not active")]
)
def test_create_api_token_refuses_unknown_or_inactive_staff(username: str, message: str, user: Any) -> None:
    staff = user("staff.roads")
    staff.is_active = False
    staff.save(update_fields=["is_active"])

    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", username, stdout=io.StringIO())
    assert not ApiToken.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_civicdesk_manage_create_api_token_end_to_end(city: Any) -> None:
    env = civicdesk_env(DJANGO_SETTINGS_MODULE=os.environ["DJANGO_SETTINGS_MODULE"])

    issued = run_civicdesk("manage", "create_api_token", "csr.alex", env=env)
    unknown = run_civicdesk("manage", "create_api_token", "nobody", env=env)

    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.rstrip("\n").splitlines()[-1]
    with timesource.frozen_at(timesource.now()):
        assert Api(token).get("/cases").status_code == 200
    assert unknown.returncode == 1
    assert "no staff member with username 'nobody'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
