"""Open311 date filters outside 2000-01-01 … five years ahead are a 400 in the spec's error format, naming the parameter."""

from __future__ import annotations

from typing import Any

import pytest

from tests.open311.conftest import Open311, errors_of

EXTREMES = ["9999-12-31T23:59:59Z", "9999-12-31", "0001-01-01", "0001-01-01T00:00:00+05:00", "1999-06-01T00:00:00Z"]


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize("parameter", ["start_date", "end_date", "updated_after", "updated_before"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_request_date_filters_out_of_range_are_a_400_naming_the_parameter(
    o311: Open311, city: Any, parameter: str, value: str, fmt: str
) -> None:
    response = o311.get(f"requests.{fmt}", **{parameter: value})
    assert response.status_code == 400, response.content
    (error,) = errors_of(response)
    assert error["description"].startswith(f"{parameter} must be between 2000-01-01 and ")


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize("parameter", ["start_date", "end_date"])
def test_update_date_filters_out_of_range_are_a_400_naming_the_parameter(
    o311: Open311, city: Any, key: str, parameter: str, value: str
) -> None:
    response = o311.get("servicerequestupdates.json", api_key=key, **{parameter: value})
    assert response.status_code == 400, response.content
    (error,) = errors_of(response)
    assert error["description"].startswith(f"{parameter} must be between 2000-01-01 and ")


def test_date_filters_inside_the_window_still_answer(o311: Open311, city: Any) -> None:
    response = o311.get("requests.json", start_date="2026-11-01T00:00:00Z", end_date="2026-11-30T00:00:00Z")
    assert response.status_code == 200, response.content
