"""Fixtures for the staff API tests: the demo city's personas, each with an API token, and a JSON client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from civicdesk.platform import timesource

TORONTO = ZoneInfo("America/Toronto")
# A Tuesday in November, 10:00 in Pickering: no holiday near, office open.
NOW = datetime(2026, 11, 17, 10, 0, tzinfo=TORONTO)
PERSONAS = ("csr.alex", "staff.roads", "staff.forestry", "sup.roads", "dir.roads", "care.admin", "manager", "shopper")
BASE = "/api/v1"


class Api:
    """A test client that speaks JSON to the staff API with one persona's token."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        out = dict(headers or {})
        if self.token is not None:
            out.setdefault("Authorization", f"Bearer {self.token}")
        return out

    def get(self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.get(BASE + path, params or {}, headers=self._headers(headers))

    def post(
        self, path: str, body: Any = None, headers: dict[str, str] | None = None, raw: str | bytes | None = None
    ) -> Any:
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.client.post(BASE + path, data, content_type="application/json", headers=self._headers(headers))


@pytest.fixture(autouse=True)
def frozen_now() -> Iterator[datetime]:
    with timesource.frozen_at(NOW):
        yield NOW


@pytest.fixture
def demo(db: Any) -> Any:
    from civicdesk.domain.city.models import Jurisdiction
    from civicdesk.platform.demo.city import load_demo_city

    load_demo_city()
    return Jurisdiction.objects.get(slug="pickering")


@pytest.fixture
def tokens(demo: Any) -> dict[str, str]:
    from civicdesk.channels.api.tokens import issue_token
    from civicdesk.domain.staff.models import User

    return {name: issue_token(user=User.objects.get(username=name))[1] for name in PERSONAS}


@pytest.fixture
def api_as(tokens: dict[str, str]) -> Any:
    """``api_as("csr.alex")``: a client acting as that persona (``None``: no credentials)."""

    def make(username: str | None) -> Api:
        return Api(tokens[username] if username is not None else None)

    return make


@pytest.fixture
def user(demo: Any) -> Any:
    from civicdesk.domain.staff.models import User

    return lambda username: User.objects.get(username=username)


RESIDENT = {"name": "Pat Resident", "phone": "905-555-0100", "email": "pat@example.org"}


@pytest.fixture
def make_case(demo: Any) -> Any:
    """``make_case(service="POTHOLE", **fields)``: a case recorded by the system, with an identified resident."""
    from civicdesk.domain.cases import actions
    from civicdesk.domain.city.models import Service

    def make(service: str | None = "POTHOLE", *, kind: str = "complaint", channel: str = "phone", **fields: Any) -> Any:
        contact = fields.pop("contact", RESIDENT)
        return actions.create_case(
            jurisdiction=demo,
            actor=None,
            actor_label="test set-up",
            kind=kind,
            channel=channel,
            description=fields.pop("description", "A deep pothole in the eastbound lane."),
            service=Service.objects.get(jurisdiction=demo, code=service) if service else None,
            contact=actions.ContactDetails(**contact) if contact else None,
            **fields,
        ).case

    return make


def row_counts() -> dict[str, int]:
    """How many rows every table a case write touches holds: equal before and after means nothing was written."""
    from civicdesk.domain.cases.models import Case, CaseItem, Commitment, FollowUpRequest, IdempotencyKey, JournalEntry
    from civicdesk.domain.outbox.models import OutboxMessage
    from civicdesk.domain.people.models import Contact

    models: list[Any] = [
        Case,
        CaseItem,
        Commitment,
        FollowUpRequest,
        IdempotencyKey,
        JournalEntry,
        OutboxMessage,
        Contact,
    ]
    return {model.__name__: model._default_manager.count() for model in models}
