"""The GeoReport v2 endpoints under ``/open311/v2/`` and the discovery document, in XML and JSON.

Plain Django views rather than django-ninja: the spec fixes the URL
suffixes, the form encoding (``attribute[CODE][]``), the XML element names
and the error array, so a schema-first framework would only stand in the
way. Every view runs inside :func:`endpoint`, which checks the format suffix
and the method, counts the request against its key or address, and turns
every refusal into the spec's ``errors`` array.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from civicdesk.channels.open311 import intake, keys, media, params, render, selectors
from civicdesk.channels.open311.errors import Open311Error, Problem, bad_request, forbidden, not_found
from civicdesk.channels.open311.models import ApiKey, ServiceAttribute, Submission
from civicdesk.channels.open311.representation import (
    SPECIFICATION,
    View,
    definition_body,
    expected_and_notice,
    request_body,
    service_body,
    update_body,
)
from civicdesk.channels.ui import files
from civicdesk.domain.cases import clocks, standing
from civicdesk.domain.cases.errors import CaseError, NotAllowed
from civicdesk.domain.cases.models import Case, Status
from civicdesk.domain.city.models import Jurisdiction
from civicdesk.platform import config, timesource
from civicdesk.platform.throttle import limits

logger = logging.getLogger(__name__)

MAX_SPAN = timedelta(days=90)  # the spec's longest date range
MAX_PAGE_SIZE = 1000  # the spec's "first 1000 requests"
MAX_IDS = 1000
UPDATES_DEFAULT_SPAN = timedelta(days=1)
API_CHANGESET = "2026-11-01T00:00:00Z"  # when civicdesk's Open311 API last changed shape
GET = ("GET", "HEAD")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass
class Call:
    """One request to an Open311 endpoint: its format, parameters and (if any) valid API key."""

    request: HttpRequest
    fmt: str
    query: QueryDict
    form: QueryDict
    api_key: ApiKey | None

    def param(self, name: str) -> str | None:
        return params.text(self.form, name) or params.text(self.query, name)

    def jurisdiction(self) -> Jurisdiction:
        """The spec: required only when several are served (400 when missing), 404 when unknown."""
        slug = self.param("jurisdiction_id")
        if slug is not None:
            found = Jurisdiction.objects.filter(slug=slug).first()
            if found is None:
                raise not_found(f"jurisdiction_id {slug[:64]!r} was not found")
            return found
        served = list(Jurisdiction.objects.order_by("pk")[:2])
        if len(served) == 1:
            return served[0]
        if not served:
            raise not_found("this server serves no jurisdiction yet")
        raise bad_request("jurisdiction_id is required: this server serves several jurisdictions")

    def respond(self, root: str, body: Any, status: int = 200) -> HttpResponse:
        response = render.response(self.fmt, root, body, status=status)
        if self.request.method in GET:
            response["Access-Control-Allow-Origin"] = "*"  # public data, no cookies
        return response


def error_response(
    fmt: str, status: int, problems: list[Problem], headers: dict[str, str] | None = None
) -> HttpResponse:
    body = [{"code": p.code, "description": p.description} for p in problems]
    response = render.response(fmt if fmt in render.FORMATS else "xml", "errors", body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _rate_limited(call: Call) -> HttpResponse | None:
    """Count the request against its valid key, or else against the caller's address; 429 over the limit."""
    if call.api_key is not None:
        verdict = limits.OPEN311_KEY.count(str(call.api_key.pk))
        who = "this api_key"
    else:
        verdict = limits.OPEN311_ADDRESS.count_client(call.request)
        who = "your address"
    if verdict.allowed:
        return None
    return error_response(
        call.fmt,
        429,
        [Problem(429, f"too many requests from {who}: at most {verdict.limit} every {verdict.window_seconds} seconds")],
        {"Retry-After": str(verdict.retry_after)},
    )


Handler = Callable[..., HttpResponseBase]


def endpoint(*methods: str) -> Callable[[Handler], Callable[..., HttpResponseBase]]:
    def decorate(handler: Handler) -> Callable[..., HttpResponseBase]:
        @csrf_exempt
        @wraps(handler)
        def view(request: HttpRequest, fmt: str = "xml", **kwargs: Any) -> HttpResponseBase:
            fmt = fmt.lower()
            if fmt not in render.FORMATS:
                return error_response(
                    "xml", 400, [Problem(400, f"format {fmt[:20]!r} is not supported; end the URL with .xml or .json")]
                )
            if request.method not in methods:
                response = error_response(
                    fmt, 405, [Problem(405, f"{request.method} is not allowed here; use {', '.join(methods)}")]
                )
                response["Allow"] = ", ".join(methods)
                return response
            if request.method == "POST" and request.content_type not in FORM_TYPES:
                # GeoReport v2 posts forms; a JSON body would otherwise read as an empty form
                # and be answered "api_key is required", which sends its author looking in the wrong place.
                return error_response(
                    fmt,
                    415,
                    [
                        Problem(
                            415,
                            f"the request body is {request.content_type or 'untyped'}; GeoReport v2 posts a form: "
                            "send application/x-www-form-urlencoded or multipart/form-data",
                        )
                    ],
                )
            try:
                form = request.POST if request.method == "POST" else request.GET
                call = Call(request, fmt, request.GET, form, None)
                raw_key = call.param("api_key")
                call.api_key = keys.live_key(raw_key) if raw_key else None
                refused = _rate_limited(call)
                if refused is not None:
                    return refused
                if raw_key and call.api_key is None:
                    raise forbidden("api_key is invalid or has been revoked")
                return handler(call, **kwargs)
            except Open311Error as error:
                return error_response(fmt, error.status, error.problems, error.headers)
            except NotAllowed as error:
                return error_response(fmt, 403, [Problem(403, error.message)])
            except CaseError as error:
                where = f"{error.field}: " if error.field else ""
                return error_response(fmt, 400, [Problem(400, f"{where}{error.message}")])
            except RequestDataTooBig:
                return error_response(fmt, 400, [Problem(400, "the request body is too large")])
            except (TooManyFieldsSent, MultiPartParserError, UnreadablePostError, SuspiciousOperation) as error:
                logger.info("open311: unreadable request body: %s", error)
                return error_response(fmt, 400, [Problem(400, "the request body could not be read as a form")])

        return view

    return decorate


# --- discovery and services ------------------------------------------------------------------


@endpoint(*GET)
def discovery(call: Call) -> HttpResponse:
    settings = config.open311_settings()
    latest = ServiceAttribute.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    changeset = max(API_CHANGESET, f"{latest.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}") if latest else API_CHANGESET
    base = call.request.build_absolute_uri(reverse("open311:root"))
    body = {
        "changeset": changeset,
        "contact": settings.contact,
        "key_service": settings.key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base.rstrip("/"),
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return call.respond("discovery", body)


@endpoint(*GET)
def service_list(call: Call) -> HttpResponse:
    jurisdiction = call.jurisdiction()
    return call.respond("services", [service_body(s) for s in selectors.public_services(jurisdiction)])


@endpoint(*GET)
def service_definition(call: Call, code: str) -> HttpResponse:
    jurisdiction = call.jurisdiction()
    service = selectors.public_service(jurisdiction, code)
    if service is None:
        raise not_found(f"service_code {code[:64]!r} was not found in {jurisdiction.slug}")
    body = definition_body(service, selectors.questions(service), clocks.profile_for(service.jurisdiction))
    return call.respond("service_definition", body)


# --- requests ----------------------------------------------------------------------------------


@endpoint("GET", "HEAD", "POST")
def requests(call: Call) -> HttpResponse:
    if call.request.method == "POST":
        return _post_request(call)
    return _list_requests(call)


def _post_request(call: Call) -> HttpResponse:
    if call.api_key is None:
        raise forbidden("api_key is required to post a service request")
    jurisdiction = call.jurisdiction()
    if call.api_key.jurisdiction_id not in (None, jurisdiction.pk):
        raise forbidden(f"this api_key may not post to {jurisdiction.slug}")
    report = intake.read_report(call.request, call.form, jurisdiction)
    case, _created = intake.submit(jurisdiction=jurisdiction, api_key=call.api_key, form=call.form, report=report)
    (made,) = selectors.records(Case.objects.filter(pk=case.pk))
    view = View.of(call.request, jurisdiction)
    _expected, notice = expected_and_notice(view, made.status, made.promised)
    emergency = standing.emergency_notice(
        view.profile, hazard=case.hazard, safety_threat=case.safety_threat, language=view.profile.languages[0]
    )
    if emergency:
        # Safety first: the advice leads what is owed, so a client showing one line shows the advice.
        notice = f"{emergency} {notice}" if notice else emergency
    return call.respond("service_requests", [{"service_request_id": case.reference, "service_notice": notice}])


def _range(
    call: Call, first: str, last: str, jurisdiction: Jurisdiction, *, default_span: timedelta | None
) -> tuple[datetime, datetime] | None:
    zone = jurisdiction.zone
    raw_first, raw_last = call.param(first), call.param(last)
    start = params.instant(raw_first, name=first, zone=zone) if raw_first else None
    end = params.instant(raw_last, name=last, zone=zone) if raw_last else None
    if start is not None and end is not None:
        if start > end:
            raise bad_request(f"{first} must not be after {last}")
        if end - start > MAX_SPAN:
            raise bad_request(f"{first} to {last} may not span more than 90 days")
        return start, end
    if start is not None:
        return start, start + MAX_SPAN
    if end is not None:
        return end - MAX_SPAN, end
    if default_span is not None:
        now = timesource.now()
        return now - default_span, now
    return None


def _page(call: Call) -> tuple[int, int]:
    page = params.whole_number(call.query, "page", default=1, minimum=1, maximum=1_000_000)
    size = params.whole_number(call.query, "page_size", default=MAX_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
    return (page - 1) * size, size


def _list_requests(call: Call) -> HttpResponse:
    jurisdiction = call.jurisdiction()
    ids = params.comma_list(call.query, "service_request_id")
    if len(ids) > MAX_IDS:
        raise bad_request(f"service_request_id lists at most {MAX_IDS} ids")
    statuses = params.comma_list(call.query, "status")
    unknown = [s for s in statuses if s not in Status.values]
    if unknown:
        raise bad_request(f"status {unknown[0][:20]!r} is not one of: open, closed")
    updated = _range(call, "updated_after", "updated_before", jurisdiction, default_span=None)
    requested = _range(call, "start_date", "end_date", jurisdiction, default_span=None if updated else MAX_SPAN)
    offset, size = _page(call)
    extensions = params.flag(call.query, "extensions")
    spec = selectors.RequestFilter(
        ids=ids,
        service_codes=params.comma_list(call.query, "service_code"),
        statuses=statuses,
        requested=requested,
        updated=updated,
    )
    page = selectors.requests_page(jurisdiction, spec, offset=offset, size=size, notes=extensions)
    view = View.of(call.request, jurisdiction)
    return call.respond("service_requests", [request_body(view, request) for request in page])


@endpoint(*GET)
def request_detail(call: Call, request_id: str) -> HttpResponse:
    jurisdiction = call.jurisdiction()
    extensions = params.flag(call.query, "extensions")
    found = selectors.public_request(jurisdiction, request_id.strip(), notes=extensions)
    if found is None:
        raise not_found(f"service_request_id {request_id[:32]!r} was not found")
    return call.respond("service_requests", [request_body(View.of(call.request, jurisdiction), found)])


@endpoint(*GET)
def token(call: Call, token: str) -> HttpResponse:
    jurisdiction = call.jurisdiction()
    found = selectors.case_by_token(jurisdiction, token)
    if not found:
        raise not_found(f"token {token[:64]!r} was not found")
    return call.respond("service_requests", [{"service_request_id": ref, "token": value} for ref, value in found])


@endpoint(*GET)
def updates(call: Call) -> HttpResponse:
    """``servicerequestupdates``: the public updates FixMyStreet polls for (start_date/end_date, 90 days at most)."""
    jurisdiction = call.jurisdiction()
    start, end = _range(call, "start_date", "end_date", jurisdiction, default_span=UPDATES_DEFAULT_SPAN) or (
        timesource.now(),
        timesource.now(),
    )
    offset, size = _page(call)
    entries = selectors.update_records(selectors.public_updates(jurisdiction, start, end)[offset : offset + size])
    zone = jurisdiction.zone
    return call.respond("service_request_updates", [update_body(entry, zone) for entry in entries])


# --- media and everything else -------------------------------------------------------------------


@endpoint(*GET)
def photo(call: Call, name: str) -> HttpResponseBase:
    found = Submission.objects.filter(media=name, case__service__public=True).exists()
    if not found or not default_storage.exists(media.path_of(name)):
        raise not_found("no such photo")
    response = files.image(
        default_storage.open(media.path_of(name), "rb"),
        content_type=media.CONTENT_TYPES[name.rsplit(".", 1)[1]],
        cache="public, max-age=86400",
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def photo_view(request: HttpRequest, name: str) -> HttpResponseBase:
    return photo(request, "xml", name=name)


@csrf_exempt
def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything else under /open311/: the errors array, 400 for a missing format suffix, 404 otherwise."""
    fmt = "json" if rest.lower().endswith(".json") else "xml"
    resource = rest.removeprefix("v2/").rstrip("/")
    known = ("services", "requests", "servicerequestupdates", "discovery")
    if resource in known or (resource.split("/", 1)[0] in ("services", "requests", "tokens") and "." not in resource):
        return error_response(
            fmt, 400, [Problem(400, f"add the format to the URL: /open311/{rest.rstrip('/')}.xml or .json")]
        )
    return error_response(fmt, 404, [Problem(404, f"/open311/{rest[:80]} is not an Open311 resource")])
