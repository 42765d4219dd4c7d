"""Fixtures for the staff API tests: the demo city's personas, each with an API token, and a JSON client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.fixtures.autouse import frozen_now
from tests.fixtures.city import RESIDENT, City

__all__ = ["frozen_now"]  # imported for its effect: every API test runs at NOW

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


@pytest.fixture
def tokens(city: City) -> dict[str, str]:
    from civicdesk.channels.api.tokens import issue_token

    return {name: issue_token(user=city.staff(name))[1] for name in PERSONAS}


@pytest.fixture
def api_as(tokens: dict[str, str]) -> Any:
    """``api_as("csr.alex")``: a client acting as that persona (``None``: no credentials)."""

    def make(username: str | None) -> Api:
        return Api(tokens[username] if username is not None else None)

    return make


@pytest.fixture
def user(city: City) -> Any:
    """``user("csr.alex")``: the demo city's staff member of that username."""
    return city.staff


@pytest.fixture
def make_case(city: City) -> Any:
    """``make_case(service="POTHOLE", **fields)``: a case recorded by the system, with the identified resident."""
    from civicdesk.domain.cases import actions

    def make(service: str | None = "POTHOLE", *, kind: str = "complaint", channel: str = "phone", **fields: Any) -> Any:
        contact = fields.pop("contact", RESIDENT)
        return actions.create_case(
            jurisdiction=city.jurisdiction,
            actor=None,
            actor_label="test set-up",
            kind=kind,
            channel=channel,
            description=fields.pop("description", "A deep pothole in the eastbound lane."),
            service=city.service(service) if service else None,
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
