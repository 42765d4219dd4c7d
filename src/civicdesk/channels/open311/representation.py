"""Cases, services and updates as GeoReport v2 bodies, with the city's standards in the standard fields.

- ``expected_datetime``: the date told to the resident, the portal's too
  (:mod:`civicdesk.domain.cases.standing`): the agreed completion while it
  runs, else the next running step owed to the resident; null once closed,
  while the clocks are paused, and for a missed standard (a new date is owed).
- ``service_notice``: everything still owed to the resident, missed or paused
  included, in due order and the profile's words with its rule ID:
  "Acknowledged within 1 business day (PK-ACK-1BD); hazard inspected within
  1 business day (PK-HAZARD)".
- ``status_notes``: the latest public update (``Case.public_note``).

PK-PRIV: the resident's name, organisation, email, phone, address, device
and account never appear. Public text (notes, address, description) passes
through :class:`Withheld`, which replaces the case's own contact details in it.
``description`` is shown only for reports made through Open311 itself (the
submitter wrote it for a public API); words taken down by phone, email,
letter or at the counter are the resident's and may name them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.urls import reverse

from civicdesk.channels.open311 import safety
from civicdesk.channels.open311.models import LIST_DATATYPES, ServiceAttribute
from civicdesk.channels.open311.selectors import Private, Promise, PublicRequest, Update
from civicdesk.domain.cases import clocks, standing
from civicdesk.domain.cases.models import Action, Channel, CommitmentState, Purpose, Status
from civicdesk.domain.city.models import Jurisdiction, Service
from civicdesk.engines.standards import Profile
from civicdesk.platform import timesource

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
WITHHELD = "[withheld]"


def timestamp(value: datetime | None, zone: ZoneInfo) -> str | None:
    """W3C date-time with the jurisdiction's offset, to the second: ``2026-11-17T10:00:00-05:00``."""
    return value.astimezone(zone).isoformat(timespec="seconds") if value is not None else None


# Words too common in organisation names to withhold on their own ("Elm Street Dental Clinic Inc").
_GENERIC_WORDS = frozenset(
    [
        "inc",
        "ltd",
        "llc",
        "corp",
        "co",
        "company",
        "limited",
        "the",
        "and",
        "of",
        "for",
        "group",
        "services",
        "service",
        "association",
        "assn",
        "society",
        "club",
        "centre",
        "center",
        "clinic",
        "church",
        "school",
        "city",
        "town",
        "street",
        "road",
        "avenue",
        "drive",
    ]
)
_CANADIAN_POSTAL_CODE = re.compile(r"\b[A-Za-z]\d[A-Za-z][\s-]?\d[A-Za-z]\d\b")
_US_ZIP = re.compile(r"\b\d{5}(?:-\d{4})?\b")
_HOUSE_AND_STREET = re.compile(r"\b(\d+[A-Za-z]?)\s+([^\W\d_]{2,})")


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\W_]+", text.lower()) if w]


def _phrase(text: str) -> str | None:
    """``text`` as a pattern that ignores case, spacing and punctuation between its words: "12 Elm St." ~ "12 elm-st"."""
    words = _words(text)
    if not words or len("".join(words)) < 3:
        return None
    return r"(?<!\w)" + r"[\W_]*".join(re.escape(w) for w in words) + r"(?!\w)"


def _private_patterns(private: Private) -> list[str]:
    patterns: list[str | None] = []
    patterns += [_phrase(w) for w in _words(private.name) if len(w) >= 2]
    patterns.append(_phrase(private.organisation))
    patterns += [_phrase(w) for w in _words(private.organisation) if len(w) >= 4 and w not in _GENERIC_WORDS]
    patterns += [_phrase(private.device_id), _phrase(private.account_id)]
    if "@" in private.email:
        local = private.email.rpartition("@")[0]
        patterns.append(_phrase(private.email))
        patterns += [_phrase(local), _phrase(local.replace(".", " "))]
    address = private.address
    patterns.append(_phrase(address))
    # Lines with a number (street and house, unit, postal code) identify a home; the town alone does not.
    patterns += [_phrase(part) for part in address.split(",") if re.search(r"\d", part)]
    patterns += [_phrase(f"{number} {street}") for number, street in _HOUSE_AND_STREET.findall(address)]
    patterns += [_phrase(code) for code in _CANADIAN_POSTAL_CODE.findall(address) + _US_ZIP.findall(address)]
    digits = re.sub(r"\D", "", private.phone)
    for tail in {digits, digits[-10:], digits[-7:]} if len(digits) >= 7 else set():
        patterns.append(r"(?<!\d)\+?" + r"[\s().\-/]*".join(tail) + r"(?!\d)")
    return sorted({p for p in patterns if p}, key=len, reverse=True)


class Withheld:
    """Replaces the details of the person who raised a case in public text (PK-PRIV).

    Staff write to residents in their own words, so details are matched the
    way people retype them: without regard to case, spacing or punctuation;
    each part of the name, the address and each of its lines with a number, its
    house number and street, the postal code, the email and its local part, the phone's digits
    with or without the area code, the organisation and its distinctive words.
    """

    def __init__(self, private: Private) -> None:
        patterns = _private_patterns(private)
        self._pattern = re.compile("|".join(patterns), re.IGNORECASE) if patterns else None

    def __call__(self, text: str | None) -> str | None:
        if not text:
            return None
        return self._pattern.sub(WITHHELD, text) if self._pattern else text


@dataclass(frozen=True)
class View:
    """What every body in one response shares: the request (for absolute URLs), the zone, the profile, the instant."""

    request: HttpRequest
    zone: ZoneInfo
    profile: Profile
    now: datetime

    @classmethod
    def of(cls, request: HttpRequest, jurisdiction: Jurisdiction) -> View:
        return cls(request, jurisdiction.zone, clocks.profile_for(jurisdiction), timesource.now())


def _notice_line(view: View, promise: Promise) -> str:
    standard = view.profile.standards.get(promise.standard)
    done = standing.NOTICE_WORDS.get(Purpose(promise.purpose), str(promise.purpose).capitalize())
    if standard is not None:
        line = f"{done} within {standard.clock.describe()} ({standard.id})"
    else:
        line = f"{done} by {promise.due_at.astimezone(view.zone):%A %d %B %Y} ({promise.standard})"
    if promise.state == CommitmentState.PAUSED:
        line += ", paused while the city waits for information"
    return line


def expected_and_notice(view: View, status: str, promised: list[Promise]) -> tuple[str | None, str | None]:
    """The date told to the resident, and what is still owed to them in words; nothing once closed."""
    if status != Status.OPEN:
        return None, None
    expected = standing.expected(promised, is_open=True, now=view.now).at
    lines = [_notice_line(view, p) for p in standing.owed_to_resident(promised)]
    lines[1:] = [line[0].lower() + line[1:] for line in lines[1:]]
    return timestamp(expected, view.zone), "; ".join(lines) or None


def service_body(service: Service) -> dict[str, Any]:
    return {
        "service_code": service.code,
        "service_name": service.name,
        "description": service.description or None,
        "metadata": True,  # every service asks the SAFETY question (safety first), whatever the city's own questions
        "type": "realtime",
        "keywords": service.keywords or None,
        "group": service.category or None,
    }


def definition_body(service: Service, attributes: list[ServiceAttribute], profile: Profile) -> dict[str, Any]:
    """The city's questions in their order, then the SAFETY question every service asks."""
    rows = []
    for attribute in attributes:
        row: dict[str, Any] = {
            "variable": attribute.variable,
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": attribute.required,
            "datatype_description": attribute.datatype_description or None,
            "order": attribute.order,
            "description": attribute.description,
        }
        if attribute.datatype in LIST_DATATYPES:
            row["values"] = [{"key": v.key, "name": v.name} for v in attribute.values.all()]
        rows.append(row)
    rows.append(safety.attribute_row(profile, order=max((a.order for a in attributes), default=0) + 1))
    return {"service_code": service.code, "attributes": rows}


def _media_url(view: View, request: PublicRequest) -> str | None:
    if request.media:
        return view.request.build_absolute_uri(reverse("open311:media", args=[request.media]))
    return request.media_url or None


def request_body(view: View, request: PublicRequest) -> dict[str, Any]:
    zone = view.zone
    withheld = Withheld(request.private)
    expected, notice = expected_and_notice(view, request.status, request.promised)
    body: dict[str, Any] = {
        "service_request_id": request.reference,
        "status": request.status,
        "status_notes": withheld(request.public_note),
        "service_name": request.service_name,
        "service_code": request.service_code,
        "description": withheld(request.description) if request.channel == Channel.OPEN311 else None,
        "agency_responsible": request.department_name,
        "service_notice": notice,
        "requested_datetime": timestamp(request.received_at, zone),
        "updated_datetime": timestamp(request.updated_at, zone),
        "expected_datetime": expected,
        "address": withheld(request.address),
        "address_id": request.address_id or None,
        "zipcode": None,
        "lat": float(request.latitude) if request.latitude is not None else None,
        "long": float(request.longitude) if request.longitude is not None else None,
        "media_url": _media_url(view, request),
    }
    if request.notes is not None:
        body["extended_attributes"] = {
            "channel": request.channel,
            "duplicate": request.parent_reference is not None,
            "parent_service_request_id": request.parent_reference,
        }
        body["notes"] = [
            {
                "datetime": timestamp(note.at, zone),
                "description": withheld(note.note) or _label(note.action),
                "type": note.action,
            }
            for note in request.notes
        ]
    return body


def _label(action: str) -> str:
    return str(Action(action).label).capitalize()


def update_body(update: Update, zone: ZoneInfo) -> dict[str, Any]:
    """One ``request_update`` as FixMyStreet reads it; ``external_status_code`` carries the finer state."""
    closed = update.action == Action.CLOSED
    return {
        "update_id": str(update.pk),
        "service_request_id": update.reference,
        "status": Status.CLOSED if closed else Status.OPEN,
        "updated_datetime": timestamp(update.at, zone),
        "description": Withheld(update.private)(update.note) or _label(update.action),
        "media_url": None,
        "external_status_code": str(update.resolution or update.action) if closed else update.action,
    }
