"""Fixtures for the desk's Django-client tests: every test at NOW in English, and clients signed in as personas."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.fixtures.autouse import english, frozen_now
from tests.fixtures.city import City

__all__ = ["english", "frozen_now"]  # imported for their effect on every desk test


@pytest.fixture
def signed_in(city: City) -> Callable[[str], Client]:
    """A client signed in as a demo persona."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(city.staff(username))
        return client

    return make
