"""Fuzzing Open311 where main used to break: dates of any year and offset, numbers in any script, attribute[…]
forms, content types and format suffixes. Always an answer below 500, and always quick."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.open311.conftest import Open311

pytestmark = pytest.mark.fuzz

FUZZ = settings(
    max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

OFFSETS = st.sampled_from(["Z", "+00:00", "-04:00", "+05:30", "+14:00", "-12:00", " 05:00", "+2359", ""])
DATES = st.one_of(
    st.builds(
        lambda y, m, d, h, offset: f"{y:04d}-{m:02d}-{d:02d}T{h:02d}:00:00{offset}",
        st.integers(1, 9999),
        st.integers(1, 12),
        st.integers(1, 31),
        st.integers(0, 23),
        OFFSETS,
    ),
    st.builds(lambda y: f"{y:04d}-12-31", st.integers(1, 9999)),
    st.sampled_from(["0001-01-01", "9999-12-31T23:59:59-12:00", "0000-01-01", "10000-01-01", "2026-13-01", "now"]),
)
NUMBERS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["1_000", "\u0661\u0662", "\uff11", "1e309", "-0", "0x1f", " 7 ", "7.", ".7", "\u00bd"]),
    st.text(alphabet=st.characters(categories=["Nd", "No", "Pc"]), min_size=1, max_size=6),
)
DATE_PARAMS = st.dictionaries(
    st.sampled_from(["start_date", "end_date", "updated_after", "updated_before"]), DATES, min_size=1, max_size=4
)


def _quick(call: Any) -> Any:
    started = time.monotonic()
    response = call()
    assert time.monotonic() - started < 3
    assert response.status_code < 500, response.content[:500]
    return response


def test_date_filters_of_any_year_and_offset_never_fail(o311: Open311, city: Any, key: str) -> None:
    @FUZZ
    @given(params=DATE_PARAMS, path=st.sampled_from(["requests.json", "requests.xml", "servicerequestupdates.json"]))
    def run(params: dict[str, str], path: str) -> None:
        _quick(lambda: o311.client.get(f"/open311/v2/{path}", {**params, "api_key": key}))

    run()


def test_numbers_and_attribute_forms_never_fail(o311: Open311, questions: Any) -> None:
    names = st.sampled_from(
        [
            "attribute[DEPTH]",
            "attribute[DEPTH][]",
            "attribute[SEEN]",
            "attribute[]",
            "attribute[[x]]",
            "attribute[WHERE]",
        ]
    )

    @FUZZ
    @given(
        answers=st.dictionaries(names, st.one_of(NUMBERS, DATES), max_size=4),
        page=NUMBERS,
        lat=NUMBERS,
    )
    def run(answers: dict[str, str], page: str, lat: str) -> None:
        _quick(lambda: o311.client.get("/open311/v2/requests.json", {"page": page, "page_size": page}))
        form = {"service_code": "POTHOLE", "lat": lat, "long": "-79.08", "api_key": o311.key, **answers}
        _quick(lambda: o311.client.post("/open311/v2/requests.json", form))

    run()


def test_content_types_and_suffixes_never_fail(o311: Open311, city: Any) -> None:
    @FUZZ
    @given(
        suffix=st.one_of(
            st.sampled_from(["json", "xml", "JSON", "Xml", "html", "", "json.xml", "xml%00", "j\u0455on"]),
            st.text(max_size=6),
        ),
        content_type=st.one_of(
            st.sampled_from(
                [
                    "application/json",
                    "text/xml",
                    "multipart/form-data",
                    "multipart/form-data; boundary=",
                    "application/x-www-form-urlencoded; charset=utf-16",
                    "",
                    "*/*",
                ]
            ),
            st.text(max_size=20),
        ),
        body=st.binary(max_size=200),
    )
    def run(suffix: str, content_type: str, body: bytes) -> None:
        path = f"/open311/v2/requests.{suffix.replace('/', '').replace('?', '').replace('#', '')}"
        try:
            call = o311.client.post(path, body, content_type=content_type)
        except ValueError:  # a header the test client itself refuses to send (newlines): nothing reached the server
            return
        assert call.status_code < 500, call.content[:500]

    run()
