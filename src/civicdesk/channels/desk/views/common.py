"""What every desk page needs: a signed-in staff member who may read cases, and the city's time zone."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone

from civicdesk.channels.desk import selectors
from civicdesk.domain.city.models import Jurisdiction
from civicdesk.domain.staff.models import User

P = ParamSpec("P")
LOGIN_URL = "desk:login"


class DeskRequest(HttpRequest):
    user: User
    jurisdiction: Jurisdiction | None


def desk_view(
    view: Callable[Concatenate[DeskRequest, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    """Sign-in required; the role must read cases (deny by default); times shown in the city's zone."""

    @login_required(login_url=LOGIN_URL)
    @wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        user = request.user
        assert isinstance(user, User)  # noqa: S101 — login_required guarantees a staff account
        if not user.is_active or not user.has_perm("cases.view_case"):
            raise PermissionDenied
        desk_request: DeskRequest = request  # type: ignore[assignment]
        desk_request.jurisdiction = selectors.jurisdiction_for(user)
        zone = desk_request.jurisdiction.zone if desk_request.jurisdiction is not None else None
        with timezone.override(zone):
            return view(desk_request, *args, **kwargs)

    return cast("Callable[Concatenate[HttpRequest, P], HttpResponseBase]", wrapped)


def nav_context(request: DeskRequest, current: str) -> dict[str, Any]:
    user = request.user
    return {
        "current": current,
        "city": request.jurisdiction,
        "can_add_case": user.has_perm("cases.add_case"),
        "sees_all": user.has_perm("cases.view_all_departments"),
        "has_department": user.department_id is not None,
        "reviews": user.has_perm("outbox.approve_outboxmessage"),
    }
