"""The staples: a Content-Security-Policy on every page with no inline script, production refusing unsafe
settings at start with one line naming the setting, and staff sessions that end when left idle."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.fixtures.processes import run_civicdesk

STRONG_KEY = "k7#Qp2!vX9@mL4$wR8^tY1&zB6*nC3(fH5)jD0_sG2+aE9-uI4"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)


def _pages(city: Any) -> list[str]:
    case_free = [
        "/",
        reverse("portal:report_for", args=[city.jurisdiction.slug]),
        reverse("portal:status"),
        reverse("desk:login"),
        "/admin/login/",
    ]
    return case_free


@pytest.mark.django_db
def test_every_page_has_a_content_security_policy_and_no_inline_script(city: Any) -> None:
    anonymous = Client()
    staff = Client()
    staff.force_login(city.staff("care.admin"))
    pages = [(anonymous, path) for path in _pages(city)] + [
        (staff, reverse("desk:queue", args=["care"])),
        (staff, reverse("desk:new_case")),
        (staff, "/admin/"),
        (staff, f"/admin/city/jurisdiction/{city.jurisdiction.pk}/change/"),
    ]
    for client, path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy, path
        assert "script-src 'self'" in policy, path
        assert "frame-ancestors 'none'" in policy, path
        assert "unsafe-inline" not in policy, path
        assert not INLINE_SCRIPT.search(response.content.decode()), path


def _production(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")}
    return {
        **env,
        "CIVICDESK_DATA_DIR": str(tmp_path),
        "CIVICDESK_MODE": "production",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "civicdesk.pickering.ca",
        **extra,
    }


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("DEBUG", "1"),
        ("DEBUG", "true"),
        ("ALLOWED_HOSTS", "*"),
        ("ALLOWED_HOSTS", "civicdesk.pickering.ca,*"),
        ("SECRET_KEY", "x" * 64),
        ("SECRET_KEY", "abab" * 20),
        ("SECRET_KEY", "django-insecure-" + STRONG_KEY),
        ("SECRET_KEY", "short"),
    ],
)
@pytest.mark.parametrize("command", ["serve", "worker"])
def test_production_refuses_unsafe_settings_at_start_naming_the_setting(
    tmp_path: Path, setting: str, value: str, command: str
) -> None:
    result = run_civicdesk(command, env=_production(tmp_path, **{setting: value}))
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"civicdesk: configuration error: {setting}")
    assert value not in line or setting == "ALLOWED_HOSTS"  # a secret key is never echoed


def _idle_for(client: Client, minutes: int) -> None:
    """As if the last request had been ``minutes`` ago on the wall clock (the one session expiry counts)."""
    from django.utils import timezone

    from civicdesk.platform.idle_sessions import LAST_SEEN

    session = client.session
    session[LAST_SEEN] = (timezone.now() - timedelta(minutes=minutes)).isoformat()
    session.save()


@pytest.mark.django_db
def test_a_staff_session_ends_after_thirty_idle_minutes(city: Any) -> None:
    client = Client()
    client.force_login(city.staff("csr.alex"))
    queue = reverse("desk:queue", args=["care"])
    assert client.get(queue).status_code == 200

    _idle_for(client, 25)
    assert client.get(queue).status_code == 200  # active: the idle time starts again
    _idle_for(client, 2)
    assert client.get(queue).status_code == 200

    _idle_for(client, 31)
    response = client.get(queue)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("desk:login"))
    assert client.get(queue).status_code == 302  # signed out, not just refused once


def test_a_sign_in_lasts_a_working_day_at_most() -> None:
    from django.conf import settings

    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
