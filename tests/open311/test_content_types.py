"""A POST that is not a form (JSON, XML, plain text) is told so in the spec's error format, not "api_key is required"."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.open311.conftest import Open311, errors_of


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"service_code": "GRAFFITI", "lat": 43.8, "long": -79.1}', "application/json"),
        ("<request><service_code>GRAFFITI</service_code></request>", "text/xml"),
        ("service_code=GRAFFITI", "text/plain"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_post_that_is_not_a_form_is_a_415_saying_what_to_send(
    o311: Open311, city: Any, body: str, content_type: str, fmt: str
) -> None:
    from civicdesk.domain.cases.models import Case

    response = o311.post_raw(body, fmt=fmt, content_type=content_type)
    assert response.status_code == 415
    (error,) = errors_of(response)
    assert "application/x-www-form-urlencoded" in error["description"]
    assert "api_key" not in error["description"]
    assert not Case.objects.exists()


def test_a_json_post_with_its_key_gets_the_same_answer(o311: Open311, city: Any) -> None:
    body = json.dumps({"api_key": o311.key, "service_code": "GRAFFITI"})
    response = o311.post_raw(body, content_type="application/json")
    assert response.status_code == 415
