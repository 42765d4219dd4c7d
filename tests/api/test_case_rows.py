"""The API's hand-grouped case rows (one query each for commitments and items) equal the plain ORM's reading."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.channels.api import selectors
from civicdesk.domain.cases import actions
from civicdesk.domain.cases.models import Case

pytestmark = pytest.mark.django_db


def test_cases_data_equals_each_case_read_on_its_own(make_case: Any, user: Any) -> None:
    forestry, care = user("staff.forestry"), user("care.admin")
    pruned = make_case("TREE-PRUNE")
    actions.add_item(case=pruned, actor=forestry, description="Prune the maple")
    actions.add_item(case=pruned, actor=forestry, description="Chip the branches")
    actions.pause_clocks(
        case=make_case("POTHOLE", kind="service_request"), actor=care, waiting_on="resident", reason="Need a photo"
    )
    make_case(None, kind="feedback", channel="web", description="Thanks for the bench", contact=None)
    make_case("STREETLIGHT", channel="email")
    for show_contact in (False, True):
        cases = list(selectors.with_output_relations(Case.objects.order_by("pk"), contact=show_contact))
        plain = [
            selectors.case_data(
                case,
                show_contact=show_contact,
                commitments=list(case.commitments.order_by("due_at", "pk")),
                items=list(case.items.select_related("done_by").order_by("pk")),
            )
            for case in cases
        ]
        assert selectors.cases_data(cases, show_contact=show_contact) == plain
