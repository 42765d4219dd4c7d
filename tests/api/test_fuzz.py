"""Never a 500 for bad input: random JSON in every field of every write endpoint gets a 2xx or a 4xx with an error body."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.city import RESIDENT

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.sampled_from(["", "complaint", "phone", "POTHOLE", "roads", "2026-11-17T09:00:00-05:00", "2026-11-17", "\x00"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)

CASE_FIELDS = [
    "kind",
    "channel",
    "service",
    "description",
    "received_at",
    "occurred_at",
    "people_involved",
    "outcome_sought",
    "address",
    "latitude",
    "longitude",
    "hazard",
    "safety_threat",
    "third_party_unidentified",
    "council_involved",
    "language",
    "interpreter_requested",
    "feedback_type",
    "contact",
]
VALID = {
    "kind": "complaint",
    "channel": "phone",
    "service": "POTHOLE",
    "description": "A pothole",
    "contact": RESIDENT,
}
FUZZ = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _assert_handled(response: Any) -> None:
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert set(response.json()["error"]) >= {"code", "message"}


@FUZZ
@given(field=st.sampled_from(CASE_FIELDS), value=JSON)
def test_create_case_with_one_field_fuzzed(field: str, value: Any, api_as: Any) -> None:
    _assert_handled(api_as("csr.alex").post("/cases", {**VALID, field: value}))


@FUZZ
@given(body=JSON)
def test_create_case_with_any_json(body: Any, api_as: Any) -> None:
    _assert_handled(api_as("csr.alex").post("/cases", raw=json.dumps(body)))


TRANSITIONS = {
    "acknowledge": ["message"],
    "route": ["department", "reason"],
    "assign": ["assignee"],
    "updates": ["update", "note", "timeline", "public"],
    "timeline": ["timeline", "reason"],
    "items": ["description"],
    "pause": ["waiting_on", "reason"],
    "duplicate-of": ["parent"],
    "redirect": ["reason", "redirect_to"],
    "close": ["note", "resolution"],
    "reopen": ["reason"],
    "replies": ["how", "note"],
    "timeline-notice": ["how", "note"],
    "follow-up-requests": ["message", "reason"],
}


@FUZZ
@given(
    action=st.sampled_from(sorted(TRANSITIONS)),
    values=st.dictionaries(
        st.sampled_from(
            [
                "message",
                "department",
                "reason",
                "assignee",
                "update",
                "note",
                "timeline",
                "public",
                "description",
                "parent",
                "redirect_to",
                "resolution",
                "how",
                "waiting_on",
            ]
        ),
        JSON,
        max_size=4,
    ),
)
def test_transitions_with_fuzzed_bodies(action: str, values: dict[str, Any], api_as: Any, make_case: Any) -> None:
    case = make_case("POTHOLE")
    _assert_handled(api_as("care.admin").post(f"/cases/{case.reference}/{action}", values))


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["department", "status", "kind", "overdue", "at_risk", "due_before", "page", "page_size"]),
        st.text(max_size=30),
        max_size=4,
    )
)
def test_list_with_fuzzed_filters(params: dict[str, str], api_as: Any) -> None:
    _assert_handled(api_as("csr.alex").get("/cases", params))


@FUZZ
@given(reference=st.text(min_size=1, max_size=30).filter(lambda r: "/" not in r and "?" not in r and "#" not in r))
def test_any_reference_is_handled(reference: str, api_as: Any) -> None:
    from urllib.parse import quote

    _assert_handled(api_as("csr.alex").get(f"/cases/{quote(reference, safe='')}"))
