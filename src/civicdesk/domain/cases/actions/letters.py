"""Letters and faxes: a CSR registers one with the day it arrived and its scan (PK-CHANNELS, PK-MAIL-*, MB-LETTER).

The case is made by intake (:func:`~civicdesk.domain.cases.actions.intake.create_case`) like any other, with the
letter's arrival as its receipt, so every clock (PK-MAIL-ANSWER's 15 business days, PK-MAIL-INTERIM's 5,
Miami Beach's MB-LETTER 10) counts from the day the letter reached the city, not from the day it was typed in.
A post stamp gives a day, not a time: the case is received at the office's opening that day by the profile's
calendar (midday on a day the office was closed, e.g. a fax that came in on a Sunday), and never later than now.
The scan is kept by its content (:mod:`civicdesk.domain.inbox.storage`) in the case's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from civicdesk.domain.cases import clocks, journal
from civicdesk.domain.cases.access import require
from civicdesk.domain.cases.actions.intake import ContactDetails, Intake, create_case
from civicdesk.domain.cases.errors import InvalidInput
from civicdesk.domain.cases.models import Action, Channel
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.city.models import Jurisdiction, Service
from civicdesk.domain.inbox import scans, storage
from civicdesk.domain.inbox.models import ScannedDocument
from civicdesk.domain.staff.models import User
from civicdesk.platform import timesource

LETTER_CHANNELS = (Channel.LETTER, Channel.FAX)
# A letter found in a drawer a few months late is still registered; one dated years back is a typing slip.
OLDEST_LETTER = timedelta(days=366)
CLOSED_DAY_RECEIPT = time(12, 0)


@dataclass(frozen=True)
class Scan:
    """The scanned letter or fax as uploaded: its bytes and the name the file had (kept, never used to store it)."""

    content: bytes
    name: str = ""


@dataclass(frozen=True)
class RegisteredLetter:
    intake: Intake
    scan: ScannedDocument


def register_letter(
    *,
    jurisdiction: Jurisdiction,
    actor: User,
    channel: str,
    received_on: date,
    kind: str,
    description: str,
    scan: Scan,
    service: Service | None = None,
    contact: ContactDetails | None = None,
    address: str = "",
    occurred_at: datetime | None = None,
    people_involved: str = "",
    outcome_sought: str = "",
    hazard: bool | None = None,
    safety_threat: bool = False,
    third_party_unidentified: bool = False,
    council_involved: bool = False,
    language: str = "",
    interpreter_requested: bool = False,
) -> RegisteredLetter:
    """Record a letter or fax received on ``received_on`` as a case, with its scan (PK-CHANNELS, PK-MAIL-ANSWER).

    Refused in words, with nothing saved: a channel other than letter or fax, a day in the future or more
    than a year ago, a scan that is empty, over 20 MB, or not a PDF, PNG, JPEG or TIFF by its content; and
    whatever intake refuses. The journal says who registered it, when, and the day it arrived.
    """
    require(actor, "cases.add_case")
    if channel not in LETTER_CHANNELS:
        raise InvalidInput(
            _("A letter or fax is registered here; %(channel)r is neither (choose letter or fax).")
            % {"channel": channel},
            field="channel",
        )
    now = timesource.now()
    received_at = _receipt(jurisdiction, received_on, now)
    try:
        media_type = scans.checked(scan.content)
    except scans.ScanRefused as refused:
        raise InvalidInput(str(refused), field="scan") from None
    with transaction.atomic():
        intake = create_case(
            jurisdiction=jurisdiction,
            actor=actor,
            kind=kind,
            channel=channel,
            description=description,
            service=service,
            received_at=received_at,
            contact=contact,
            address=address,
            occurred_at=occurred_at,
            people_involved=people_involved,
            outcome_sought=outcome_sought,
            hazard=hazard,
            safety_threat=safety_threat,
            third_party_unidentified=third_party_unidentified,
            council_involved=council_involved,
            language=language,
            interpreter_requested=interpreter_requested,
        )
        # Stored once the case's rows are written and before they commit: a refusal stores nothing, and a
        # failed write to disk rolls the case back. A commit that fails after it leaves only an unnamed file.
        digest = storage.store(scan.content)
        document = ScannedDocument.objects.create(
            jurisdiction=jurisdiction,
            case=intake.case,
            sha256=digest,
            size=len(scan.content),
            content_type=media_type,
            original_name=scan.name.replace("\x00", "").strip()[:255],
            received_on=received_on,
            registered_at=now,
            registered_by=actor,
        )
        with UnitOfWork.atomic(now=now) as work:
            case = work.lock_case(intake.case)
            if channel == Channel.LETTER:
                note = _(
                    "Letter received on %(received)s, registered by %(who)s on %(registered)s with its scan "
                    "(%(name)s, %(type)s, %(size)s)."
                )
            else:
                note = _(
                    "Fax received on %(received)s, registered by %(who)s on %(registered)s with its scan "
                    "(%(name)s, %(type)s, %(size)s)."
                )
            journal.append(
                work=work,
                case=case,
                action=Action.NOTE,
                actor=actor,
                note=note
                % {
                    "received": formats.date_format(received_on, "l j F Y"),
                    "who": actor.display_name,
                    "registered": formats.date_format(now.astimezone(jurisdiction.zone), "l j F Y"),
                    "name": document.original_name or _("unnamed file"),
                    "type": scans.SCAN_TYPES[media_type],
                    "size": formats.number_format(round(len(scan.content) / 1024), 0) + " KB",
                },
                data={
                    "message": "letter_registered",
                    "channel": channel,
                    "received_on": received_on.isoformat(),
                    "registered_by": actor.pk,
                    "scan": document.pk,
                    "sha256": digest,
                },
            )
    return RegisteredLetter(intake=intake, scan=document)


def _receipt(jurisdiction: Jurisdiction, received_on: date, now: datetime) -> datetime:
    """The instant a letter that arrived on ``received_on`` counts as received (see the module's docstring)."""
    if isinstance(received_on, datetime) or not isinstance(received_on, date):
        raise InvalidInput(_("Give the day the letter arrived as a date, for example 2026-11-10."), field="received_on")
    zone = jurisdiction.zone
    today = now.astimezone(zone).date()
    if received_on > today:
        raise InvalidInput(
            _("The day received, %(day)s, is in the future; give the day the letter or fax arrived (today or earlier).")
            % {"day": received_on.isoformat()},
            field="received_on",
        )
    oldest = today - OLDEST_LETTER
    if received_on < oldest:
        raise InvalidInput(
            _(
                "The day received, %(day)s, is more than a year ago (before %(oldest)s); check the date stamped on "
                "the letter or fax."
            )
            % {"day": received_on.isoformat(), "oldest": oldest.isoformat()},
            field="received_on",
        )
    openings = clocks.profile_for(jurisdiction).calendar.day_status(received_on).openings
    opens = openings[0][0] if openings else datetime.combine(received_on, CLOSED_DAY_RECEIPT, tzinfo=zone)
    return min(opens.astimezone(UTC), now.astimezone(UTC))
