"""A mistyped rate limit is reported by Django's checks, naming the setting, before any request is made."""

from __future__ import annotations

import pytest
from django.core import checks
from django.test import override_settings


def _errors() -> list[str]:
    return [message.msg for message in checks.run_checks(tags=[checks.Tags.security]) if message.id == "civicdesk.E001"]


def test_the_shipped_settings_pass() -> None:
    assert _errors() == []


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("CIVICDESK_SIGNIN_LIMITS", {"user": (5, 0)}, "CIVICDESK_SIGNIN_LIMITS['user']"),
        ("CIVICDESK_SIGNIN_LIMITS", {"users": (5, 900)}, "unknown limit 'users'"),
        ("CIVICDESK_PORTAL_LIMITS", {"report": "ten"}, "CIVICDESK_PORTAL_LIMITS['report']"),
        ("CIVICDESK_TRUSTED_PROXIES", -1, "CIVICDESK_TRUSTED_PROXIES"),
        ("OPEN311_RATE_LIMIT_WINDOW", 0, "OPEN311_RATE_LIMIT_WINDOW"),
    ],
)
def test_a_bad_limit_is_an_error_naming_the_setting(setting: str, value: object, named: str) -> None:
    with override_settings(**{setting: value}):
        errors = _errors()
    assert len(errors) == 1, errors
    assert named in errors[0]
