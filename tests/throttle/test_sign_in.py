"""Staff sign-in throttle (DESIGN.md "Security": login throttling for staff): failed attempts per user and per address."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse

from civicdesk.platform import timesource

PASSWORD = "civicdesk-demo"
THROTTLED = "Too many failed sign-in attempts. Try again in 15 minutes."


def sign_in(client: Client, username: str, password: str, url: str | None = None) -> Any:
    return client.post(url or reverse("desk:login"), {"username": username, "password": password})


def fail(client: Client, username: str, times: int) -> list[int]:
    return [sign_in(client, username, "wrong password").status_code for _ in range(times)]


def error_summary(response: Any) -> str:
    page: str = response.content.decode()
    start = page.index('class="error-summary"')
    return html.unescape(page[start : page.index("</div>", start)])


def test_the_sixth_attempt_after_five_failures_is_refused_even_with_the_right_password(city: Any) -> None:
    client = Client()
    assert fail(client, "csr.alex", 5) == [200] * 5
    refused = sign_in(client, "csr.alex", PASSWORD)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "900"  # NOW is 15:00 UTC, the start of a 15-minute window
    assert THROTTLED in error_summary(refused)
    assert "_auth_user_id" not in client.session


def test_a_refused_attempt_does_not_check_the_password(city: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client = Client()
    fail(client, "csr.alex", 5)
    checked: list[str] = []

    def spy(request: Any = None, **credentials: Any) -> Any:
        checked.append(credentials["username"])
        return authenticate(request, **credentials)

    monkeypatch.setattr("django.contrib.auth.forms.authenticate", spy)
    assert sign_in(client, "csr.alex", PASSWORD).status_code == 429
    assert checked == []


def test_the_right_password_before_the_limit_signs_in_and_is_not_counted(city: Any) -> None:
    client = Client()
    assert fail(client, "csr.alex", 4) == [200] * 4
    signed_in = sign_in(client, "csr.alex", PASSWORD)
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(city.staff("csr.alex").pk)
    # Four failures so far, not five: one more is still checked, the one after is not.
    other = Client()
    assert fail(other, "csr.alex", 1) == [200]
    assert sign_in(other, "csr.alex", PASSWORD).status_code == 429


def test_another_user_is_not_affected(city: Any) -> None:
    client = Client()
    fail(client, "csr.alex", 6)
    assert sign_in(client, "csr.sam", PASSWORD).status_code == 302


def test_the_user_name_is_counted_whatever_its_case(city: Any) -> None:
    client = Client()
    for username in ("csr.alex", "CSR.alex", "Csr.Alex", "csr.ALEX", " csr.alex"):
        assert sign_in(client, username, "wrong password").status_code == 200
    assert sign_in(client, "csr.alex", PASSWORD).status_code == 429


def test_too_many_failures_from_one_address_refuse_every_user_there(city: Any, settings: Any) -> None:
    settings.CIVICDESK_SIGNIN_LIMITS = {"address": (3, 900)}
    guesser = Client(REMOTE_ADDR="198.51.100.66")
    assert [sign_in(guesser, name, "wrong password").status_code for name in ("a", "b", "c")] == [200, 200, 200]
    refused = sign_in(guesser, "csr.sam", PASSWORD)
    assert refused.status_code == 429
    assert THROTTLED in error_summary(refused)
    assert sign_in(Client(REMOTE_ADDR="198.51.100.67"), "csr.sam", PASSWORD).status_code == 302


def test_refused_attempts_do_not_use_up_the_address_allowance(city: Any, settings: Any) -> None:
    settings.CIVICDESK_SIGNIN_LIMITS = {"address": (8, 900)}
    office = Client(REMOTE_ADDR="198.51.100.10")
    assert fail(office, "csr.alex", 5) == [200] * 5
    assert fail(office, "csr.alex", 5) == [429] * 5  # locked out, retrying: not checked, not counted
    assert fail(office, "csr.sam", 1) == [200]
    assert sign_in(office, "csr.sam", PASSWORD).status_code == 302


def test_the_default_address_limit_is_twenty(city: Any) -> None:
    guesser = Client(REMOTE_ADDR="198.51.100.66")
    codes = [sign_in(guesser, f"user{n}", "wrong password").status_code for n in range(21)]
    assert codes == [200] * 20 + [429]


def test_sign_in_works_again_once_the_window_is_over(city: Any) -> None:
    client = Client()
    fail(client, "csr.alex", 5)
    timesource.advance(timedelta(minutes=14, seconds=30))
    refused = sign_in(client, "csr.alex", PASSWORD)
    assert refused.status_code == 429
    assert "Try again in 1 minute." in error_summary(refused)
    timesource.advance(timedelta(seconds=30))
    assert sign_in(client, "csr.alex", PASSWORD).status_code == 302


def test_a_missing_password_is_not_an_attempt(city: Any) -> None:
    client = Client()
    for _ in range(6):
        assert sign_in(client, "csr.alex", "").status_code == 200
    assert sign_in(client, "csr.alex", PASSWORD).status_code == 302


def test_the_refusal_is_translated(city: Any) -> None:
    client = Client(headers={"Accept-Language": "fr"})
    fail(client, "csr.alex", 5)
    refused = sign_in(client, "csr.alex", PASSWORD)
    assert refused.status_code == 429
    assert "Trop de tentatives de connexion échouées. Réessayez dans 15 minutes." in error_summary(refused)


def test_the_admin_sign_in_shares_the_throttle(city: Any) -> None:
    admin_login = reverse("admin:login")
    client = Client()
    fail(client, "care.admin", 3)
    codes = [sign_in(client, "care.admin", "wrong password", admin_login).status_code for _ in range(2)]
    assert codes == [200, 200]
    refused = sign_in(client, "care.admin", PASSWORD, admin_login)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "900"
    assert THROTTLED in html.unescape(refused.content.decode())
    assert sign_in(Client(), "care.admin", PASSWORD).status_code == 429  # the desk door too
