"""POST requests: check a report the way the spec describes it, then make it a case like every other channel.

The case is created by :func:`civicdesk.domain.cases.actions.create_case` (channel
``open311``, no staff actor, labelled "<client> via Open311"), so it gets the
same commitments, routing and journal as a phone call. What only Open311
carries goes to a :class:`Submission` in the same transaction. A retry with
the same ``Idempotency-Key`` header (or ``token`` parameter) returns the
first report's case instead of making another.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.http import HttpRequest, QueryDict

from civicdesk.channels.open311 import media, params, safety
from civicdesk.channels.open311.errors import Open311Error, Problems, bad_request, not_found
from civicdesk.channels.open311.models import ApiKey, Datatype, ServiceAttribute, Submission
from civicdesk.channels.open311.selectors import public_service, questions
from civicdesk.domain.cases import actions, time_windows
from civicdesk.domain.cases.models import Case, Kind
from civicdesk.domain.city.models import Jurisdiction, Service
from civicdesk.platform import config, timesource

MAX_DESCRIPTION = 4000  # the spec's limit
MAX_ADDRESS = 300
MAX_STRING_ANSWER = 1000
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
NO_DESCRIPTION = "(no description given)"


@dataclass
class Report:
    service: Service
    description: str
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    address_id: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    contact: actions.ContactDetails | None = None
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    photo: tuple[bytes, str] | None = None
    token: str = ""
    risk: safety.Safety = field(default_factory=safety.Safety)


def _limited(form: QueryDict, name: str, limit: int, problems: Problems) -> str:
    value = params.text(form, name) or ""
    if len(value) > limit:
        problems.add(f"{name} is {len(value)} characters long; at most {limit} are accepted")
        return ""
    return value


def _coordinate(form: QueryDict, name: str, bound: int, problems: Problems) -> float | None:
    raw = params.text(form, name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        problems.add(f"{name} must be a number in WGS84 degrees, not {raw[:40]!r}")
        return None
    if not math.isfinite(value) or not -bound <= value <= bound:
        problems.add(f"{name} must be between -{bound} and {bound}, not {raw[:40]}")
        return None
    return round(value, 6)


def _location(form: QueryDict, report: Report, problems: Problems) -> None:
    report.latitude = _coordinate(form, "lat", 90, problems)
    report.longitude = _coordinate(form, "long", 180, problems)
    report.address = _limited(form, "address_string", MAX_ADDRESS, problems)
    report.address_id = _limited(form, "address_id", 100, problems)
    has_lat, has_long = params.text(form, "lat") is not None, params.text(form, "long") is not None
    if has_lat != has_long:
        problems.add("lat and long must be sent together")
    elif not has_lat and params.text(form, "address_string") is None and params.text(form, "address_id") is None:
        problems.add("a location is required: lat and long, address_string or address_id")


def _answers(form: QueryDict) -> dict[str, list[str]]:
    given: dict[str, list[str]] = {}
    for name in form:
        match = _ATTRIBUTE.match(name)
        if match:
            values = [v.strip() for v in form.getlist(name) if v.strip()]
            if any("\x00" in v for v in values):
                raise bad_request(f"{name} contains a NUL character")
            given.setdefault(match.group(1), []).extend(values)
    return given


def _answer(attribute: ServiceAttribute, values: list[str], jurisdiction: Jurisdiction, problems: Problems) -> Any:
    """The checked answer to one question, or None after noting why it is wrong."""
    name = f"attribute[{attribute.code}]"
    if attribute.datatype != Datatype.MULTIVALUELIST and len(values) > 1:
        problems.add(f"{name} takes one value ({attribute.datatype}), not {len(values)}")
        return None
    value = values[0] if values else ""
    match attribute.datatype:
        case Datatype.STRING:
            if "\n" in value or "\r" in value or len(value) > MAX_STRING_ANSWER:
                problems.add(f"{name} must be one line of at most {MAX_STRING_ANSWER} characters")
                return None
            return value
        case Datatype.TEXT:
            if len(value) > MAX_DESCRIPTION:
                problems.add(f"{name} must be at most {MAX_DESCRIPTION} characters")
                return None
            return value
        case Datatype.NUMBER:
            # Plain ASCII decimals only: float() also takes "1_000" and Arabic-Indic digits,
            # which no form sends and no reader of the case expects.
            number = float(value) if _DECIMAL.fullmatch(value.strip()) else math.nan
            if not math.isfinite(number):
                problems.add(f"{name} must be a number, not {value[:40]!r}")
                return None
            return int(number) if number.is_integer() and abs(number) < 2**53 else number
        case Datatype.DATETIME:
            try:
                return params.instant(value, name=name, zone=jurisdiction.zone).isoformat()
            except Open311Error:
                earliest, latest = time_windows.PLANNING.bounds()
                problems.add(
                    f"{name} must be an ISO 8601 date-time such as 2026-11-17T10:00:00-05:00, "
                    f"between {earliest.date()} and {latest.date()}"
                )
                return None
        case _:
            keys = {v.key for v in attribute.values.all()}
            unknown = [v for v in values if v not in keys]
            if unknown:
                problems.add(
                    f"{name} has no choice {unknown[0][:40]!r}; the keys are {', '.join(sorted(keys)) or 'none'}"
                )
                return None
            if attribute.datatype == Datatype.SINGLEVALUELIST:
                return value
            return list(dict.fromkeys(values))


def _questions(form: QueryDict, service: Service, jurisdiction: Jurisdiction, problems: Problems) -> dict[str, Any]:
    """Answers to the service's questions. Codes the service does not ask are ignored (clients send extras)."""
    given = _answers(form)
    answers: dict[str, Any] = {}
    for attribute in questions(service):
        if not attribute.variable:
            continue
        values = given.get(attribute.code, [])
        if not values:
            if attribute.required:
                problems.add(f"attribute[{attribute.code}] is required: {attribute.description}")
            continue
        answer = _answer(attribute, values, jurisdiction, problems)
        if answer is not None:
            answers[attribute.code] = answer
    return answers


def _contact(form: QueryDict, report: Report, problems: Problems) -> None:
    first = _limited(form, "first_name", 100, problems)
    last = _limited(form, "last_name", 100, problems)
    email = _limited(form, "email", 254, problems)
    phone = _limited(form, "phone", 40, problems)
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            problems.add("email is not a valid email address")
    report.device_id = _limited(form, "device_id", 200, problems)
    report.account_id = _limited(form, "account_id", 200, problems)
    name = f"{first} {last}".strip()
    if name or email or phone:
        report.contact = actions.ContactDetails(name=name, email=email, phone=phone)


def read_report(request: HttpRequest, form: QueryDict, jurisdiction: Jurisdiction) -> Report:
    """Every problem of the report at once (400), or the report; an unknown service is 404 (the spec)."""
    code = params.text(form, "service_code")
    if code is None:
        raise bad_request("service_code is required")
    service = public_service(jurisdiction, code)
    if service is None:
        raise not_found(f"service_code {code[:64]!r} was not found in {jurisdiction.slug}")
    problems = Problems()
    description = params.text(form, "description") or ""
    if len(description) > MAX_DESCRIPTION:
        problems.add(f"description is {len(description)} characters long; at most {MAX_DESCRIPTION} are accepted")
    report = Report(service=service, description=description)
    _location(form, report, problems)
    report.answers = _questions(form, service, jurisdiction, problems)
    report.risk = safety.read(_answers(form), problems)
    _contact(form, report, problems)
    url = params.text(form, "media_url")
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
            if len(url) > 500:
                raise ValidationError("too long")
            report.media_url = url
        except ValidationError:
            problems.add("media_url must be an http or https URL of at most 500 characters")
    upload = request.FILES.get("media")
    if upload is not None:
        report.photo = media.read_upload(upload, max_bytes=config.open311_settings().media_max_bytes, problems=problems)
    header = request.headers.get("Idempotency-Key", "").strip()
    token = params.text(form, "token") or ""
    if header and token and header != token:
        problems.add("the Idempotency-Key header and the token parameter differ; send one of them")
    report.token = header or token
    if len(report.token) > 200 or "\x00" in report.token:
        problems.add("the Idempotency-Key (or token) must be at most 200 characters")
    problems.raise_if_any()
    return report


def _fingerprint(form: QueryDict, report: Report) -> dict[str, Any]:
    body: dict[str, Any] = {name: form.getlist(name) for name in sorted(form) if name not in ("api_key", "token")}
    if report.photo is not None:
        body["media"] = hashlib.sha256(report.photo[0]).hexdigest()
    return body


def submit(*, jurisdiction: Jurisdiction, api_key: ApiKey, form: QueryDict, report: Report) -> tuple[Case, bool]:
    """Create the case (or find the one a retry already made); return it and whether it is new."""
    idempotency = (
        actions.Idempotency(client=f"open311:{api_key.pk}", key=report.token, request=_fingerprint(form, report))
        if report.token
        else None
    )
    return _create(jurisdiction, api_key, report, idempotency)


def _create(
    jurisdiction: Jurisdiction, api_key: ApiKey, report: Report, idempotency: actions.Idempotency | None
) -> tuple[Case, bool]:
    stored: str | None = None
    try:
        with transaction.atomic():
            intake = actions.create_case(
                jurisdiction=jurisdiction,
                actor=None,
                actor_label=f"{api_key.client_name} via Open311"[:120],
                kind=Kind.SERVICE_REQUEST,
                channel="open311",
                description=report.description or NO_DESCRIPTION,
                service=report.service,
                contact=report.contact,
                address=report.address,
                latitude=report.latitude,
                longitude=report.longitude,
                hazard=report.risk.hazard,
                safety_threat=report.risk.immediate_threat,
                idempotency=idempotency,
            )
            if intake.created:
                if report.photo is not None:
                    stored = media.store(*report.photo)
                Submission.objects.create(
                    jurisdiction=jurisdiction,
                    case=intake.case,
                    api_key=api_key,
                    client_token=report.token,
                    address_id=report.address_id,
                    attributes=report.answers,
                    media=stored,
                    media_url=report.media_url,
                    device_id=report.device_id,
                    account_id=report.account_id,
                    created_at=timesource.now(),
                )
    except BaseException:
        if stored is not None:
            media.discard(stored)
        raise
    return intake.case, intake.created
