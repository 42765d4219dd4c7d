"""The desk's date fields are bounded like every other face: a far date is a form error naming the field, not a 500."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from civicdesk.domain.cases.models import Case
from tests.desk.test_desk import case_url, intake
from tests.fixtures.city import new_complaint as complaint

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", ["9999-12-31", "6000-06-01"])
def test_a_timeline_centuries_ahead_is_a_form_error_answered_at_once(city, signed_in, day):
    case = complaint(city)
    client = signed_in("staff.forestry")
    started = time.monotonic()
    planned = client.post(
        case_url(case, "update"), {"update-update": "action_planned", "update-note": "Crew", "update-timeline": day}
    )
    changed = client.post(case_url(case, "timeline"), {"timeline-timeline": day, "timeline-reason": "Parts"})
    assert time.monotonic() - started < 3
    for response in (planned, changed):
        assert response.status_code == 422
        page = response.content.decode()
        assert "must be between 2000-01-01 and" in page
        assert "timeline" in page


@pytest.mark.parametrize("field", ["received_at", "occurred_at"])
@pytest.mark.parametrize("value", ["1900-01-01T09:00", "0001-01-01T00:00", "1999-12-31T09:00"])
def test_intake_dates_before_2000_are_a_form_error_naming_the_field(city, signed_in, field, value):
    response = signed_in("csr.alex").post(
        reverse("desk:new_case"), intake(service=city.service("TREE-DOWN").pk, create="1", **{field: value})
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert f'href="#id_{field}"' in page
    assert "must be between 2000-01-01 and" in page
    assert not Case.objects.exists()
