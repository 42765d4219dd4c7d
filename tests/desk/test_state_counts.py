"""The desk's state counts, added from index ranges in one raw statement, equal the plain ORM and the read model."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicdesk.channels.desk import selectors
from civicdesk.domain.cases import standing
from civicdesk.domain.cases.models import Case
from tests.fixtures.city import new_complaint as complaint
from tests.fixtures.clock import NOW

pytestmark = pytest.mark.django_db
CASES = 8
# A clock summary: next pending due (hours from now, or none), missed and still owed, paused.
summaries = st.tuples(
    st.one_of(st.none(), st.integers(min_value=-72, max_value=72)),
    st.booleans(),
    st.booleans(),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(summaries, min_size=CASES, max_size=CASES), st.integers(min_value=0, max_value=7 * 24))
def test_count_states_equals_the_orm_and_the_read_model(city: Any, drawn: list[Any], hours_later: int) -> None:
    if not Case.objects.exists():
        for _ in range(CASES):
            complaint(city)
    for case, (due_in, owed, paused) in zip(Case.objects.order_by("pk"), drawn, strict=True):
        Case.objects.filter(pk=case.pk).update(
            next_due_at=None if due_in is None else NOW + timedelta(hours=due_in),
            owed_since=NOW - timedelta(days=1) if owed else None,
            clocks_paused=paused,
        )
    h = selectors.horizons(city.jurisdiction, NOW + timedelta(hours=hours_later))
    cases = selectors.scoped_cases(city.staff("csr.alex"), "care")
    counted = selectors.count_states(cases, h)
    assert counted == {
        state: cases.filter(standing.state_condition(state, h)).count() for state in standing.CLOCK_STATES
    }
    in_memory = Counter(standing.state_of(case, h) for case in cases)
    assert counted == {state: in_memory[state] for state in standing.CLOCK_STATES}
    annotated = Counter(standing.with_clock_state(cases, h).values_list("clock_state", flat=True))  # type: ignore[misc]
    assert annotated == in_memory
