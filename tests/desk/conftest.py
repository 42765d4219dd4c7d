"""Fixtures for the desk's Django-client tests: the demo city, its personas, a frozen Tuesday morning."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from civicdesk.platform import timesource

TORONTO = ZoneInfo("America/Toronto")
# A Tuesday in November, 10:00 in Pickering: no holiday near, office open.
NOW = datetime(2026, 11, 17, 10, 0, tzinfo=TORONTO)


@pytest.fixture(autouse=True)
def frozen_now() -> Iterator[datetime]:
    with timesource.frozen_at(NOW):
        yield NOW


@pytest.fixture(autouse=True)
def english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def city(db: Any) -> Any:
    from civicdesk.domain.city.models import Jurisdiction
    from civicdesk.platform.demo.city import load_demo_city
    from tests.cases.conftest import City

    load_demo_city()
    return City(Jurisdiction.objects.get(slug="pickering"))


@pytest.fixture
def signed_in(city: Any) -> Callable[[str], Client]:
    """A client signed in as a demo persona."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(city.staff(username))
        return client

    return make


def complaint(city: Any, **extra: Any) -> Any:
    from tests.cases.conftest import new_complaint

    return new_complaint(city, **extra)
