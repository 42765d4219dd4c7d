"""The landing page (which city this is, and where staff sign in), and the pages for requests Django refuses."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from civicdesk.domain.city.models import Jurisdiction


def home(request: HttpRequest) -> HttpResponse:
    jurisdictions = Jurisdiction.objects.only("name", "slug")
    return render(request, "civicdesk/home.html", {"jurisdictions": jurisdictions})


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 for a request it cannot read, as a page a person can act on (never the bare "Bad Request")."""
    cities = list(Jurisdiction.objects.order_by("name")[:2])
    context = {"city": cities[0] if len(cities) == 1 else None}
    if isinstance(exception, RequestDataTooBig):
        return render(request, "civicdesk/too_large.html", context, status=413)
    return render(request, "civicdesk/bad_request.html", context, status=400)
