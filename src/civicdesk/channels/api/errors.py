"""Every refusal as one JSON shape: ``{"error": {"code", "message", "field"?, "rule"?, "details"?}}``.

Bad input is a 4xx naming the field (DESIGN.md "Bad input"): the case
actions' :class:`CaseError` keep their status and body; ninja's and
pydantic's validation errors, unparseable JSON and missing credentials are
translated into the same shape.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from civicdesk.domain.cases.errors import CaseError

# ninja puts the source and the parameter's name in front of a field's path: ("body", "payload", "contact", "email").
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
_PARAMETERS = {"payload", "filters"}
_MESSAGES = {
    "missing": "this field is required",
    "extra_forbidden": "unknown field",
}


class NotFound(Exception):
    """A case or item that does not exist or that the caller may not see: the two look the same (no existence leak)."""


class JsonBody(Parser):
    """The default JSON parser, keeping the decoder's complaint so the 422 can say where the JSON breaks."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            return super().parse_body(request)
        except (ValueError, UnicodeDecodeError) as error:
            request._civicdesk_body_error = str(error)  # type: ignore[attr-defined]
            raise


def error_body(
    code: str, message: str, *, field: str | None = None, rule: str | None = None, details: Any = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    if rule:
        body["rule"] = rule
    if details is not None:
        body["details"] = details
    return {"error": body}


def field_name(location: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "payload", "contact", "email")`` → ``contact.email``; the whole body → ``body``."""
    parts = list(location)
    source = str(parts.pop(0)) if parts and parts[0] in _SOURCES else "body"
    if parts and parts[0] in _PARAMETERS:
        parts.pop(0)
    return ".".join(str(part) for part in parts) or source


def _message(error: dict[str, Any]) -> str:
    if error.get("type") in _MESSAGES:
        return _MESSAGES[error["type"]]
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


def _on_case_error(request: HttpRequest, exc: CaseError, *, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, {"error": exc.as_dict()}, status=exc.status)


def _on_validation_error(request: HttpRequest, exc: ValidationError, *, api: NinjaAPI) -> HttpResponse:
    # Only field, message and type: pydantic's "input" and "ctx" may hold anything, even unserialisable objects.
    details = [
        {"field": field_name(error.get("loc", ())), "message": _message(error), "type": str(error.get("type", ""))}
        for error in exc.errors
    ]
    if not details:
        details = [{"field": "body", "message": "invalid request", "type": "invalid"}]
    first = details[0]
    if first["field"] == "body" and first["type"] == "missing":
        first["message"] = "the request needs a JSON object body"
    return api.create_response(
        request,
        error_body("invalid_input", f"{first['field']}: {first['message']}", field=first["field"], details=details),
        status=422,
    )


def _on_http_error(request: HttpRequest, exc: HttpError, *, api: NinjaAPI) -> HttpResponse:
    if isinstance(exc, AuthenticationError) or exc.status_code == 401:
        response = api.create_response(
            request,
            error_body("unauthenticated", "send a valid API token: Authorization: Bearer <token>"),
            status=401,
        )
        response["WWW-Authenticate"] = 'Bearer realm="civicdesk"'
        return response
    if exc.status_code == 400 and hasattr(request, "_civicdesk_body_error"):
        return api.create_response(
            request,
            error_body(
                "invalid_input",
                f"the request body is not valid JSON ({request._civicdesk_body_error})",
                field="body",
            ),
            status=422,
        )
    codes = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 429: "throttled"}
    return api.create_response(
        request, error_body(codes.get(exc.status_code, "error"), exc.message), status=exc.status_code
    )


def _on_not_found(request: HttpRequest, exc: Exception, *, api: NinjaAPI) -> HttpResponse:
    message = str(exc) if isinstance(exc, NotFound) and str(exc) else "not found"
    return api.create_response(request, error_body("not_found", message), status=404)


def _on_too_big(request: HttpRequest, exc: Exception, *, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, error_body("too_large", "the request body is too large"), status=413)


def install(api: NinjaAPI) -> None:
    api.add_exception_handler(CaseError, partial(_on_case_error, api=api))
    api.add_exception_handler(ValidationError, partial(_on_validation_error, api=api))
    api.add_exception_handler(HttpError, partial(_on_http_error, api=api))
    api.add_exception_handler(NotFound, partial(_on_not_found, api=api))
    api.add_exception_handler(Http404, partial(_on_not_found, api=api))
    api.add_exception_handler(RequestDataTooBig, partial(_on_too_big, api=api))
