"""The landing page: which city this is, and where staff sign in."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from civicdesk.domain.city.models import Jurisdiction


def home(request: HttpRequest) -> HttpResponse:
    jurisdictions = Jurisdiction.objects.only("name", "slug")
    return render(request, "civicdesk/home.html", {"jurisdictions": jurisdictions})
