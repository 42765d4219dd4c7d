"""Fixtures for the Open311 tests: every test at NOW, a client key, questions of every datatype, the official schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema  # type: ignore[import-untyped]
import pytest
from django.test import Client
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.fixtures.autouse import frozen_now
from tests.fixtures.city import City

__all__ = ["frozen_now"]  # imported for its effect: every Open311 test runs at NOW

HERE = Path(__file__).resolve().parent
SCHEMAS = HERE / "schemas"  # the GeoReport v2 JSON Schemas (schemas/README.md)
DATA_311 = HERE / "data"  # real 311 records (data/README.md)
V2 = "/open311/v2"


def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMAS.glob("*.json")):
        resources.append((path.name, Resource.from_contents(json.loads(path.read_text()), DRAFT7)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validate(schema_name: str, body: Any) -> None:
    """Validate ``body`` against one of the official GeoReport v2 schemas (``services.json``, ``requests.json``…)."""
    schema = json.loads((SCHEMAS / schema_name).read_text())
    jsonschema.Draft7Validator(schema, registry=REGISTRY).validate(body)


def xml_root(response: Any) -> ElementTree.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(response.content)  # noqa: S314 — our own server's output


def errors_of(response: Any) -> list[dict[str, Any]]:
    """The spec's error array, from either format; asserts its shape."""
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
    else:
        root = xml_root(response)
        assert root.tag == "errors"
        body = [{child.tag: child.text for child in error} for error in root]
        assert all(error.tag == "error" for error in root)
    assert isinstance(body, list)
    assert body
    for error in body:
        assert set(error) == {"code", "description"}
        assert str(error["code"]) == str(response.status_code)
        assert error["description"]
    return body


class Open311:
    """A test client for the Open311 endpoints; ``get("services.json")`` is ``GET /open311/v2/services.json``."""

    def __init__(self, key: str | None = None, remote_addr: str = "203.0.113.7") -> None:
        self.client = Client(REMOTE_ADDR=remote_addr)
        self.key = key

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(f"{V2}/{path}", query)

    def post(self, fmt: str = "json", *, key: Any = "default", headers: Any = None, **form: Any) -> Any:
        data = dict(form)
        api_key = self.key if key == "default" else key
        if api_key is not None:
            data["api_key"] = api_key
        return self.client.post(f"{V2}/requests.{fmt}", data, headers=headers or {})

    def post_raw(self, body: str, *, fmt: str = "json", content_type: str = "application/x-www-form-urlencoded") -> Any:
        return self.client.post(f"{V2}/requests.{fmt}", body, content_type=content_type)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}},
    }
    return root


@pytest.fixture
def key(city: City) -> str:
    from civicdesk.channels.open311.keys import issue_key

    return issue_key(client_name="FixMyStreet")[1]


@pytest.fixture
def o311(key: str) -> Open311:
    return Open311(key)


@pytest.fixture
def questions(city: City) -> Any:
    """POTHOLE asks a question of every datatype."""
    from civicdesk.channels.open311.models import AttributeValue, ServiceAttribute

    pothole = city.service("POTHOLE")

    def ask(code: str, datatype: str, order: int, description: str, **extra: Any) -> ServiceAttribute:
        return ServiceAttribute.objects.create(
            service=pothole, code=code, datatype=datatype, order=order, description=description, **extra
        )

    ask("DEPTH", "number", 1, "How deep is it, in centimetres?", required=True, datatype_description="A number")
    ask("LANE", "string", 2, "Which lane?")
    ask("SEEN", "datetime", 3, "When did you first see it?")
    ask("DETAILS", "text", 4, "Anything else the crew should know?")
    where = ask("WHERE", "singlevaluelist", 5, "Where on the road is it?", required=True)
    for order, (value_key, name) in enumerate(
        [("road", "In the road"), ("curb", "At the curb"), ("lot", "Parking lot")]
    ):
        AttributeValue.objects.create(attribute=where, key=value_key, name=name, order=order)
    hazards = ask("HAZARDS", "multivaluelist", 6, "What makes it dangerous?")
    for order, (value_key, name) in enumerate([("deep", "Very deep"), ("water", "Full of water"), ("dark", "Unlit")]):
        AttributeValue.objects.create(attribute=hazards, key=value_key, name=name, order=order)
    ask("NOTE", "text", 7, "Please do not put personal details in the description.", variable=False)
    return pothole


POTHOLE_ANSWERS = {"attribute[DEPTH]": "12", "attribute[WHERE]": "road"}
