"""Any parameters, any bytes: a 2xx or the errors array with 400/403/404, never a 500."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.open311.conftest import Open311

NAMES = [
    "jurisdiction_id",
    "service_code",
    "service_request_id",
    "start_date",
    "end_date",
    "updated_after",
    "updated_before",
    "status",
    "page",
    "page_size",
    "extensions",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "email",
    "phone",
    "first_name",
    "media_url",
    "token",
    "attribute[DEPTH]",
    "attribute[WHERE]",
    "attribute[HAZARDS][]",
    "attribute[SEEN]",
]
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "1e309", "nan", "2026-11-17T10:00:00Z", "2026-02-30", "open,closed", "POTHOLE"]),
)
PARAMS = st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=8)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check(response: Any) -> None:
    assert response.status_code in (200, 400, 403, 404), (response.status_code, response.content[:500])
    if response["Content-Type"].startswith("application/json"):
        json.loads(response.content)
    else:
        ElementTree.fromstring(response.content)  # noqa: S314 — our own server's output


@pytest.mark.parametrize("path", ["requests.json", "requests.xml", "servicerequestupdates.json", "services.xml"])
def test_reads_never_fail(o311: Open311, questions: Any, path: str) -> None:
    @FUZZ
    @given(params=PARAMS)
    def run(params: dict[str, str]) -> None:
        _check(o311.client.get(f"/open311/v2/{path}", params))

    run()


def test_posts_never_fail(o311: Open311, questions: Any) -> None:
    @FUZZ
    @given(params=PARAMS)
    def run(params: dict[str, str]) -> None:
        _check(o311.client.post("/open311/v2/requests.json", {**params, "api_key": o311.key}))

    run()


@given(path=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30))
@FUZZ
def test_any_path_under_open311_is_an_answer(o311: Open311, city: Any, path: str) -> None:
    response = o311.client.get("/open311/v2/" + path.replace("?", "").replace("#", ""))
    assert response.status_code < 500
