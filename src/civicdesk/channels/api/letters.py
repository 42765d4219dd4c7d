"""``/api/v1/letters``: register a letter or fax with its scan, as the desk's "Register a letter or fax" page does.

The request is ``multipart/form-data``: the fields of :class:`LetterIn` and the file ``scan``. The case's clocks
count from ``received_on`` (:func:`~civicdesk.domain.cases.actions.register_letter`); every refusal is the API's
422 naming the field, with nothing saved.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from civicdesk.channels.api import selectors
from civicdesk.channels.api.auth import current_user
from civicdesk.channels.api.cases import WRITE_ERRORS
from civicdesk.channels.api.schemas import LetterCreatedOut, LetterIn
from civicdesk.domain.cases import access, actions
from civicdesk.domain.cases.errors import InvalidInput, NotAllowed
from civicdesk.domain.city.models import Service
from civicdesk.domain.inbox import scans

router = Router(tags=["letters"])


@router.post(
    "",
    response={201: LetterCreatedOut, **WRITE_ERRORS},
    summary="Register a letter or fax with its scan",
    description=(
        "multipart/form-data: the fields below and the file `scan` (PDF, PNG, JPEG or TIFF by its content, at "
        "most 20 MB). The case is received on `received_on` (at the office's opening that day), so PK-MAIL-ANSWER, "
        "PK-MAIL-INTERIM and MB-LETTER count from the day the letter arrived."
    ),
)
def register_letter(request: HttpRequest, payload: Form[LetterIn], scan: File[UploadedFile]) -> Status[dict[str, Any]]:
    user = current_user(request)
    access.require(user, "cases.add_case")
    jurisdiction = user.jurisdiction
    if jurisdiction is None:
        raise NotAllowed("your account serves no city; letters are registered by a city's staff")
    service = None
    if payload.service is not None:
        service = (
            Service.objects.select_related("department").filter(jurisdiction=jurisdiction, code=payload.service).first()
        )
        if service is None:
            raise InvalidInput(f"{jurisdiction.name} has no service with code {payload.service!r}", field="service")
    try:
        scans.check_size(scan.size or 0)  # before the file is read into memory
    except scans.ScanRefused as refused:
        raise InvalidInput(str(refused), field="scan") from None
    contact = actions.ContactDetails(
        name=payload.contact_name,
        title=payload.contact_title,
        organisation=payload.contact_organisation,
        email=payload.contact_email,
        phone=payload.contact_phone,
        address=payload.contact_address,
        language=payload.language,
    )
    letter = actions.register_letter(
        jurisdiction=jurisdiction,
        actor=user,
        channel=payload.channel,
        received_on=payload.received_on,
        kind=payload.kind,
        description=payload.description,
        scan=actions.Scan(content=scan.read(), name=scan.name or ""),
        service=service,
        contact=None if contact.empty else contact,
        address=payload.address,
        people_involved=payload.people_involved,
        outcome_sought=payload.outcome_sought,
        council_involved=payload.council_involved,
        language=payload.language,
    )
    intake = letter.intake
    commitments = sorted(intake.commitments or [], key=lambda c: (c.due_at, c.pk))
    data = selectors.case_data(
        intake.case, show_contact=access.may_see_contact(user), commitments=commitments, items=[]
    )
    data["missing_details"] = intake.missing_details
    document = letter.scan
    data["scan"] = {
        "sha256": document.sha256,
        "size": document.size,
        "content_type": document.content_type,
        "original_name": document.original_name,
        "received_on": document.received_on,
    }
    return Status(201, data)
