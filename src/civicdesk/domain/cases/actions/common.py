"""Checks every family of case actions makes the same way."""

from __future__ import annotations

from django.db.models import Model

from civicdesk.domain.cases.errors import InvalidInput, TransitionRefused
from civicdesk.domain.cases.models import Case, Status

# Who the journal names when no staff member acted.
AUTOMATIC = "Customer Care (automatic)"
SWEEP = "sweep"


def require_open(case: Case, doing: str) -> None:
    """Refuse a change to a closed case: it must be reopened first."""
    if case.status != Status.OPEN:
        raise TransitionRefused(f"case {case.reference} is closed; reopen it before you {doing}", code="case_closed")


def check_length(model: type[Model], name: str, value: str, field: str) -> None:
    """Refuse a text longer than the column ``name`` of ``model`` holds, naming the input ``field``."""
    limit = getattr(model._meta.get_field(name), "max_length", None)
    if limit is not None and len(value or "") > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
