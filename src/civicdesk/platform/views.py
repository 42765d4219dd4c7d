"""The landing page (which city this is, and where staff sign in), and the pages for requests Django refuses.

Every refusal is answered in the form its asker reads: the staff API's JSON
error, Open311's own error list, or a page in the city's style and the
visitor's language (404, 405, 500) — never Django's bare "Not Found".
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from civicdesk.channels.open311.errors import Problem
from civicdesk.channels.open311.views import error_response as open311_error
from civicdesk.domain.city.models import Jurisdiction

logger = logging.getLogger(__name__)
API_PREFIX = "/api/"
OPEN311_PREFIX = "/open311/"


def home(request: HttpRequest) -> HttpResponse:
    jurisdictions = Jurisdiction.objects.only("name", "slug")
    return render(request, "civicdesk/home.html", {"jurisdictions": jurisdictions})


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 for a request it cannot read, as a page a person can act on (never the bare "Bad Request")."""
    context = {"city": _only_city()}
    if isinstance(exception, RequestDataTooBig):
        return render(request, "civicdesk/too_large.html", context, status=413)
    return render(request, "civicdesk/bad_request.html", context, status=400)


def _only_city() -> Jurisdiction | None:
    cities = list(Jurisdiction.objects.order_by("name")[:2])
    return cities[0] if len(cities) == 1 else None


def _open311_format(path: str) -> str:
    return "json" if path.endswith(".json") else "xml"


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: no such page, case or record (an unknown reference is not told apart from one out of scope)."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"error": {"code": "not_found", "message": "no such resource"}}, status=404)
    if request.path.startswith(OPEN311_PREFIX):
        return open311_error(_open311_format(request.path), 404, [Problem(404, "no such resource")])
    return render(request, "civicdesk/not_found.html", {"city": _only_city()}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: something failed on our side. Nothing here may need the database, which may be what failed."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"error": {"code": "server_error", "message": "the server failed; try again"}}, status=500)
    if request.path.startswith(OPEN311_PREFIX):
        return open311_error(_open311_format(request.path), 500, [Problem(500, "the server failed; try again")])
    try:
        return HttpResponse(render_to_string("civicdesk/server_error.html", {}), status=500)
    except Exception:  # the page itself failed: a line of text still says what happened
        logger.exception("the server error page could not be rendered")
        return HttpResponse(
            _("Something went wrong on our side. Please try again."), status=500, content_type="text/plain"
        )


class MethodNotAllowedPages:
    """A bare 405 (a GET on a form's action, say) becomes a page saying what to do; the Allow header stays."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.content:
            return response
        if request.path.startswith(API_PREFIX):
            styled: HttpResponse = JsonResponse(
                {"error": {"code": "method_not_allowed", "message": f"{request.method} is not allowed here"}},
                status=405,
            )
        elif request.path.startswith(OPEN311_PREFIX):
            styled = open311_error(
                _open311_format(request.path), 405, [Problem(405, f"{request.method} is not allowed here")]
            )
        else:
            styled = render(request, "civicdesk/method_not_allowed.html", {"city": _only_city()}, status=405)
        if "Allow" in response:
            styled["Allow"] = response["Allow"]
        return styled
