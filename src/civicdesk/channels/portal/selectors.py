"""Reads for the public portal. A resident sees one case, theirs, and only what is public about it (PK-PRIV)."""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from civicdesk.domain.cases import journal, standing
from civicdesk.domain.cases.models import Case, CaseAttachment, JournalEntry
from civicdesk.platform import timesource

# Compared against when there is no case, so a wrong reference costs what a wrong email costs.
_DECOY = secrets.token_hex(16)
# A status page's links to its photos and files are signed and last this long; the page makes new ones.
FILE_LINK_SALT = "civicdesk.portal.public-file"
FILE_LINK_SECONDS = 3600


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
    files: list[PublicFile] = field(default_factory=list)


@dataclass(frozen=True)
class PublicFile:
    """A file on the case marked public, with signed links the status page shows (no sign-in on the portal)."""

    is_image: bool
    name: str
    caption: str
    size: int
    url: str
    thumbnail_url: str


def public_files(case: Case) -> list[PublicFile]:
    """The files of ``case`` marked public, oldest first; nothing staff keep to themselves (PK-PRIV)."""
    rows = CaseAttachment.objects.filter(case=case, public=True).order_by("added_at", "pk")
    until = int(timesource.now().timestamp()) + FILE_LINK_SECONDS
    found = []
    for row in rows:
        token = signing.dumps([row.pk, until], salt=FILE_LINK_SALT)
        url = reverse("portal:public_file", args=[token])
        thumbnail = reverse("portal:public_thumbnail", args=[token]) if row.is_image and row.thumbnail_sha256 else url
        found.append(PublicFile(row.is_image, row.original_name, row.caption, row.size, url, thumbnail))
    return found


def public_file(token: str) -> CaseAttachment | None:
    """The file a status page's link names, while the link is fresh and the file is still public."""
    try:
        pk, until = signing.loads(token, salt=FILE_LINK_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if not isinstance(pk, int) or not isinstance(until, int) or timesource.now().timestamp() > until:
        return None
    return CaseAttachment.objects.filter(pk=pk, public=True).first()


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
    return PublicStatus(case, updates, told.at, told.is_completion, about, public_files(case))
