"""The work queues: my work, my department, Customer Care; clock states counted and filtered."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from civicdesk.channels.desk import selectors
from civicdesk.channels.desk.forms import QueueFilterForm
from civicdesk.channels.desk.views.common import DeskRequest, desk_view, nav_context
from civicdesk.domain.cases import standing
from civicdesk.domain.cases.standing import STATE_LABELS
from civicdesk.platform import timesource

PAGE_SIZE = 50
TITLES = {"mine": _("My work"), "department": _("My department"), "care": _("Customer Care queue")}


@desk_view
def home(request: DeskRequest) -> HttpResponse:
    """Customer Care lands on the city-wide queue, department roles on their department's."""
    user = request.user
    if user.has_perm("cases.view_all_departments"):
        return redirect("desk:queue", scope="care")
    if user.department_id is not None or user.directed_departments.exists() or user.supervised_divisions.exists():
        return redirect("desk:queue", scope="department")
    return redirect("desk:queue", scope="mine")


@desk_view
def queue(request: DeskRequest, scope: str) -> HttpResponse:
    if scope not in selectors.SCOPES:
        raise Http404
    if scope == "care" and not request.user.has_perm("cases.view_all_departments"):
        raise Http404
    h = selectors.horizons(request.jurisdiction, timesource.now())
    form = QueueFilterForm(request.GET or None, choices=selectors.filter_choices(request.user, request.jurisdiction))
    filters = form.filters()
    cases, counts = selectors.queue(request.user, scope, filters, h)
    # The clock states partition the queue, so its total is the sum of their counts.
    shown = counts[filters.state] if filters.state in standing.CLOCK_STATES else sum(counts.values())
    page = selectors.CappedPaginator(cases, PAGE_SIZE, known_count=shown).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    state_links = []
    for state in standing.CLOCK_STATES:
        params = query.copy()
        params["state"] = state
        state_links.append(
            {
                "state": state,
                "label": STATE_LABELS[state],
                "count": selectors.shown_count(counts[state]),
                "query": params.urlencode(),
                "current": filters.state == state,
            }
        )
    unread = selectors.unread_summary(request.user, scope, request.jurisdiction, h.now)
    all_params = query.copy()
    all_params.pop("state", None)
    return render(
        request,
        "desk/queue.html",
        {
            **nav_context(request, scope),
            "scope": scope,
            "title": TITLES[scope],
            "form": form,
            "page": page,
            "counts": counts,
            "total": selectors.shown_count(sum(counts.values())),
            "state_links": state_links,
            "all_query": all_params.urlencode(),
            "page_query": query.urlencode(),
            "now": h.now,
            "unread": unread,
        },
    )
