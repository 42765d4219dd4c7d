"""Search: any case the staff member may see, open or closed, by reference, address, words or resident."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from civicdesk.channels.desk.views.common import DeskRequest, desk_view, nav_context
from civicdesk.domain.cases import access, search

PAGE_SIZE = 50
MAX_QUERY = 200  # characters read of a query: enough for a sentence of a description


@desk_view
def search_cases(request: DeskRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    contacts = access.may_see_contact(request.user)
    page = None
    if query:
        found = search.matching(
            access.cases_visible_to(request.user).select_related("service", "department", "assignee"),
            query,
            contacts=contacts,
        )
        page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "desk/search.html",
        {
            **nav_context(request, "search"),
            "query": query,
            "page": page,
            "page_query": urlencode({"q": query}) if query else "",
            "contacts": contacts,
            "capped": page is not None and page.paginator.count >= search.MAX_RESULTS,
            "max_results": search.MAX_RESULTS,
        },
    )
