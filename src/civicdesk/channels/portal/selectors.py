"""Reads for the public portal. A resident sees one case, theirs, and only what is public about it (PK-PRIV)."""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import translation

from civicdesk.domain.cases import journal, standing
from civicdesk.domain.cases.models import Case, JournalEntry
from civicdesk.platform import timesource

# Compared against when there is no case, so a wrong reference costs what a wrong email costs.
_DECOY = secrets.token_hex(16)


def _email(value: str) -> str:
    return value.strip().lower()


def _phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return digits[-10:] if len(digits) >= 7 else ""


def _same(given: str, stored: str) -> bool:
    """Constant-time, and an empty stored value never matches."""
    return hmac.compare_digest(given.encode(), (stored or _DECOY).encode()) and bool(stored)


def case_for_resident(reference: str, contact: str) -> Case | None:
    """The case with ``reference`` if ``contact`` is the email or phone its resident gave; else None, whichever was wrong."""
    case = Case.objects.select_related("contact", "service", "jurisdiction").filter(reference=reference).first()
    person = case.contact if case is not None else None
    email_ok = _same(_email(contact), _email(person.email) if person else "")
    phone_ok = _same(_phone(contact), _phone(person.phone) if person else "")
    return case if (email_ok or phone_ok) else None


@dataclass(frozen=True)
class PublicUpdate:
    """A public journal entry as the resident reads it, in their language."""

    label: str
    note: str
    at: datetime


@dataclass(frozen=True)
class PublicStatus:
    case: Case
    updates: list[PublicUpdate]
    expected: datetime | None
    expected_is_completion: bool
    about: str  # the service's name in the viewer's language, else what the case is


def public_status(case: Case) -> PublicStatus:
    """What the resident may see: status, public journal entries, and the date they are told (:mod:`standing`)."""
    updates = [
        PublicUpdate(str(entry.get_action_display()), journal.public_note(entry), entry.at)
        for entry in JournalEntry.objects.filter(case=case, public=True).order_by("-sequence")
    ]
    told = standing.expected(
        case.commitments.filter(standing.RESIDENT_CLOCKS), is_open=case.is_open, now=timesource.now()
    )
    language = translation.get_language() or settings.LANGUAGE_CODE
    about = case.service.name_in(language) if case.service else str(case.get_kind_display())
    return PublicStatus(case, updates, told.at, told.is_completion, about)
