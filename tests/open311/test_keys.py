"""Open311 API keys: issued from the shell (printed once, last), stored as a digest, revoked in the admin."""

from __future__ import annotations

import hashlib
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tests.open311.conftest import Open311


def test_create_open311_key_prints_the_key_alone_on_the_last_line(city: Any) -> None:
    from civicdesk.channels.open311.models import ApiKey

    out = StringIO()
    call_command("create_open311_key", "FixMyStreet", stdout=out)
    lines = out.getvalue().strip().splitlines()
    key = lines[-1]
    assert key.startswith("o311_")
    assert " " not in key
    assert len(key) > 40
    assert "FixMyStreet" in lines[0]
    row = ApiKey.objects.get()
    assert row.client_name == "FixMyStreet"
    assert row.jurisdiction is None
    assert row.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {str(v) for v in ApiKey.objects.values_list(flat=True)}
    assert Open311(key).post(service_code="GRAFFITI", lat="43.8", long="-79.1").status_code == 200
    assert ApiKey.objects.get().last_used_at is not None


def test_create_open311_key_for_one_jurisdiction(city: Any) -> None:
    from civicdesk.channels.open311.models import ApiKey

    out = StringIO()
    call_command("create_open311_key", "Pickering app", "--jurisdiction", "pickering", stdout=out)
    assert ApiKey.objects.get().jurisdiction == city.jurisdiction
    with pytest.raises(CommandError, match="no jurisdiction 'nowhere'"):
        call_command("create_open311_key", "X", "--jurisdiction", "nowhere", stdout=StringIO())
    with pytest.raises(CommandError, match="must not be empty"):
        call_command("create_open311_key", "  ", stdout=StringIO())


def test_the_command_runs_through_the_civicdesk_cli(transactional_db: Any) -> None:
    from tests.fixtures.processes import civicdesk_env, run_civicdesk

    env = civicdesk_env()
    result = run_civicdesk("manage", "create_open311_key", "SeeClickFix", env=env)
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("o311_")


def test_admin_lists_and_revokes_keys_but_never_shows_or_adds_them(city: Any, key: str) -> None:
    from civicdesk.channels.open311.models import ApiKey
    from civicdesk.domain.staff.models import User

    admin = User.objects.create_superuser("root", "root@example.org", "correct horse battery staple")
    browser = Client()
    browser.force_login(admin)
    listing = browser.get("/admin/open311/apikey/")
    assert listing.status_code == 200
    assert b"FixMyStreet" in listing.content
    assert key.encode() not in listing.content
    assert browser.get("/admin/open311/apikey/add/").status_code == 403
    row = ApiKey.objects.get()
    response = browser.post(
        "/admin/open311/apikey/", {"action": "revoke_keys", "_selected_action": [row.pk]}, follow=True
    )
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.revoked
    assert Open311(key).post(service_code="GRAFFITI", lat="43.8", long="-79.1").status_code == 403


def test_admin_edits_service_questions_with_their_choices(city: Any) -> None:
    from civicdesk.channels.open311.models import ServiceAttribute
    from civicdesk.domain.city.models import Service
    from civicdesk.domain.staff.models import User

    admin = User.objects.create_superuser("root", "root@example.org", "correct horse battery staple")
    browser = Client()
    browser.force_login(admin)
    service = Service.objects.get(jurisdiction=city.jurisdiction, code="NOISE")
    response = browser.post(
        "/admin/open311/serviceattribute/add/",
        {
            "service": service.pk,
            "order": 1,
            "code": "SOURCE",
            "description": "What is making the noise?",
            "datatype": "singlevaluelist",
            "datatype_description": "",
            "required": "on",
            "variable": "on",
            "values-TOTAL_FORMS": "2",
            "values-INITIAL_FORMS": "0",
            "values-MIN_NUM_FORMS": "0",
            "values-MAX_NUM_FORMS": "1000",
            "values-0-order": "1",
            "values-0-key": "dog",
            "values-0-name": "A dog",
            "values-1-order": "2",
            "values-1-key": "party",
            "values-1-name": "A party",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    attribute = ServiceAttribute.objects.get(code="SOURCE")
    assert attribute.jurisdiction == city.jurisdiction
    assert [v.key for v in attribute.values.all()] == ["dog", "party"]
    body = Open311().get("services/NOISE.json").json()
    assert body["attributes"][0]["values"] == [{"key": "dog", "name": "A dog"}, {"key": "party", "name": "A party"}]
