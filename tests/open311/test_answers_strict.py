"""Open311 answers are read strictly: numbers are plain ASCII decimals, datetimes fall in the product's date window."""

from __future__ import annotations

from typing import Any

import pytest

from tests.open311.conftest import Open311, errors_of

LOCATION = {"lat": "43.835400", "long": "-79.086700"}


@pytest.mark.parametrize(
    "depth", ["1_000", "\u0661\u0662\u0663", "\uff11\uff12", "\u0663.\u0665", "12 000", "0x10", "infinity", "1e999"]
)  # Arabic-Indic and full-width digits
def test_number_answers_refuse_underscores_and_non_ascii_digits(o311: Open311, questions: Any, depth: str) -> None:
    from civicdesk.domain.cases.models import Case

    response = o311.post(service_code="POTHOLE", **LOCATION, **{"attribute[DEPTH]": depth, "attribute[WHERE]": "road"})
    assert response.status_code == 400, response.content
    assert any("attribute[DEPTH] must be a number" in e["description"] for e in errors_of(response))
    assert not Case.objects.exists()


@pytest.mark.parametrize("depth", ["12", "12.5", "-3", ".5", "1e2", "+7"])
def test_plain_number_answers_are_accepted(o311: Open311, questions: Any, depth: str) -> None:
    response = o311.post(service_code="POTHOLE", **LOCATION, **{"attribute[DEPTH]": depth, "attribute[WHERE]": "road"})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("seen", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+05:00", "1850-06-01"])
def test_datetime_answers_outside_the_window_are_refused(o311: Open311, questions: Any, seen: str) -> None:
    answers = {"attribute[DEPTH]": "3", "attribute[WHERE]": "road", "attribute[SEEN]": seen}
    response = o311.post(service_code="POTHOLE", **LOCATION, **answers)
    assert response.status_code == 400, response.content
    assert any("attribute[SEEN]" in e["description"] and "2000-01-01" in e["description"] for e in errors_of(response))
