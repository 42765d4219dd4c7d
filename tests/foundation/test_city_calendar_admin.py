"""One source for a city's calendar: in the administration site its standards profile changes only through recompute.

The change form shows the profile read only and ignores a posted one; the
*Change the standards profile* page calls the recompute action
``change_calendar(*, jurisdiction, profile, actor) -> int``, which moves the
running clocks onto the new calendar and journals each move.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from civicdesk.domain.cases.actions import recompute
from civicdesk.domain.city.models import Jurisdiction
from civicdesk.domain.staff.models import User
from civicdesk.domain.staff.roles import Role
from tests.factories import JurisdictionFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def home() -> Jurisdiction:
    return JurisdictionFactory(name="Home", profile="pickering", languages=["en"])


@pytest.fixture
def administrator(home: Jurisdiction) -> User:
    return StaffFactory(jurisdiction=home, role=Role.CARE_ADMIN, is_staff=True)


@pytest.fixture
def care_admin(administrator: User) -> Client:
    client = Client()
    client.force_login(administrator)
    return client


@pytest.fixture
def change_calendar_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Stands in for the recompute action, recording each call, so the page's wiring is tested on its own."""
    calls: list[dict[str, Any]] = []

    def change_calendar(*, jurisdiction: Jurisdiction, profile: str, actor: Any) -> int:
        calls.append({"jurisdiction": jurisdiction.pk, "profile": profile, "actor": actor.pk})
        return 3

    monkeypatch.setattr(recompute, "change_calendar", change_calendar)
    return calls


def _change_form(city: Jurisdiction, **changes: str) -> dict[str, str]:
    return {"slug": city.slug, "name": city.name, "languages": '["en"]', "ombudsman_information": "", **changes}


def test_the_change_form_shows_the_profile_and_its_zone_read_only(care_admin: Client, home: Jurisdiction) -> None:
    page = care_admin.get(f"/admin/city/jurisdiction/{home.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="profile"' not in html
    assert "pickering" in html
    assert "America/Toronto" in html
    assert f"/admin/city/jurisdiction/{home.pk}/calendar/" in html


def test_a_profile_posted_to_the_change_form_is_ignored(care_admin: Client, home: Jurisdiction) -> None:
    response = care_admin.post(
        f"/admin/city/jurisdiction/{home.pk}/change/", _change_form(home, name="Home Town", profile="lawrence")
    )
    assert response.status_code == 302
    home.refresh_from_db()
    assert home.name == "Home Town"
    assert home.profile == "pickering"
    assert str(home.zone) == "America/Toronto"


def test_the_profile_changes_through_the_recompute_action(
    care_admin: Client, administrator: User, home: Jurisdiction, change_calendar_calls: list[dict[str, Any]]
) -> None:
    page = care_admin.get(f"/admin/city/jurisdiction/{home.pk}/calendar/")
    assert page.status_code == 200
    assert "recomputes every running clock" in page.content.decode()

    response = care_admin.post(f"/admin/city/jurisdiction/{home.pk}/calendar/", {"profile": "lawrence"}, follow=True)
    assert response.redirect_chain == [(f"/admin/city/jurisdiction/{home.pk}/change/", 302)]
    assert change_calendar_calls == [{"jurisdiction": home.pk, "profile": "lawrence", "actor": administrator.pk}]
    assert "Standards profile set to lawrence; 3 due dates moved onto its calendar." in response.content.decode()
    assert LogEntry.objects.get(object_id=str(home.pk)).get_change_message().startswith("Standards profile set to")


def test_an_unknown_profile_is_refused_before_the_action(
    care_admin: Client, home: Jurisdiction, change_calendar_calls: list[dict[str, Any]]
) -> None:
    response = care_admin.post(f"/admin/city/jurisdiction/{home.pk}/calendar/", {"profile": "atlantis"})
    assert response.status_code == 200
    assert "atlantis" in response.content.decode()
    assert change_calendar_calls == []


def test_staff_who_may_not_manage_standards_cannot_change_the_profile(
    home: Jurisdiction, change_calendar_calls: list[dict[str, Any]]
) -> None:
    csr = Client()
    csr.force_login(StaffFactory(jurisdiction=home, role=Role.CSR, is_staff=True))
    assert csr.post(f"/admin/city/jurisdiction/{home.pk}/calendar/", {"profile": "lawrence"}).status_code == 403
    assert change_calendar_calls == []


def test_another_citys_administrator_cannot_reach_the_page(
    home: Jurisdiction, change_calendar_calls: list[dict[str, Any]]
) -> None:
    elsewhere = Client()
    elsewhere.force_login(StaffFactory(jurisdiction=JurisdictionFactory(), role=Role.CARE_ADMIN, is_staff=True))
    assert elsewhere.post(f"/admin/city/jurisdiction/{home.pk}/calendar/", {"profile": "lawrence"}).status_code == 404
    assert change_calendar_calls == []


def test_the_page_changes_the_profile_and_the_zone_with_the_real_action(care_admin: Client, home: Jurisdiction) -> None:
    response = care_admin.post(f"/admin/city/jurisdiction/{home.pk}/calendar/", {"profile": "lawrence"}, follow=True)
    assert "Standards profile set to lawrence; 0 due dates moved onto its calendar." in response.content.decode()
    home.refresh_from_db()
    assert home.profile == "lawrence"
    assert str(home.zone) == "America/Chicago"
