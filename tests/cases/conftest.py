"""Case fixtures: the demo city of Pickering (its staff are the personas) and a movable clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from civicdesk.domain.cases import actions
from civicdesk.domain.cases.models import Case
from civicdesk.domain.city.models import Jurisdiction, Service
from civicdesk.domain.staff.models import User
from civicdesk.platform import timesource
from civicdesk.platform.demo.city import load_demo_city

TORONTO = ZoneInfo("America/Toronto")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Pickering wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=TORONTO)


@dataclass
class City:
    jurisdiction: Jurisdiction

    def staff(self, username: str) -> User:
        return User.objects.get(username=username)

    def service(self, code: str) -> Service:
        return Service.objects.get(jurisdiction=self.jurisdiction, code=code)


@pytest.fixture
def city(db) -> City:
    load_demo_city()
    return City(Jurisdiction.objects.get(slug="pickering"))


class MovableClock:
    def __init__(self) -> None:
        self._context: AbstractContextManager[None] | None = None

    def set(self, instant: datetime) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)
        self._context = timesource.frozen_at(instant)
        self._context.__enter__()

    def advance(self, delta: timedelta) -> None:
        timesource.advance(delta)

    def close(self) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)


@pytest.fixture
def now() -> Iterator[MovableClock]:
    movable = MovableClock()
    yield movable
    movable.close()


def new_complaint(city: City, *, service: str | None = "TREE-PRUNE", channel: str = "phone", **extra) -> Case:
    """A complete complaint from an identified resident, taken by a CSR."""
    fields = {
        "jurisdiction": city.jurisdiction,
        "actor": city.staff("csr.alex"),
        "kind": "complaint",
        "channel": channel,
        "service": city.service(service) if service else None,
        "description": "The maple in front of 12 Elm St has a dead limb over the sidewalk.",
        "occurred_at": timesource.now() - timedelta(days=1),
        "people_involved": "none",
        "outcome_sought": "Prune the tree",
        "address": "12 Elm St",
        "contact": actions.ContactDetails(name="Pat Resident", email="pat@example.org", phone="905-555-0101"),
        **extra,
    }
    return actions.create_case(**fields).case
