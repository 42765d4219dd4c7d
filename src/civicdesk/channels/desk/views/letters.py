"""Register a letter or fax: the day it arrived, the sender, what it asks, and its scan (PK-CHANNELS, PK-MAIL-ANSWER).

The case is made by :func:`~civicdesk.domain.cases.actions.register_letter`, whose clocks count from the day the
letter arrived; a refusal (a day in the future, a file that is not a scan, one too large) re-renders the form
with the reason next to its field, and nothing is saved.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _

from civicdesk.channels.desk.forms import LetterForm
from civicdesk.channels.desk.views.common import DeskRequest, desk_view, nav_context
from civicdesk.domain.cases import actions, standing
from civicdesk.domain.cases.errors import CaseError, InvalidInput
from civicdesk.domain.cases.references import display
from civicdesk.domain.inbox import scans
from civicdesk.platform import timesource

# Where a refusal from register_letter belongs on the form.
ERROR_FIELDS = {"received_on": "received_on", "scan": "scan", "latitude": "address", "longitude": "address"}


@desk_view
def new_letter(request: DeskRequest) -> HttpResponse:
    if not request.user.has_perm("cases.add_case"):
        raise PermissionDenied
    jurisdiction = request.jurisdiction
    status = 200
    if request.method == "POST":
        form = LetterForm(request.POST, request.FILES, jurisdiction=jurisdiction)
        if form.is_valid() and jurisdiction is not None:
            try:
                letter = _register(request, form)
            except CaseError as error:
                field = ERROR_FIELDS.get(error.field or "", error.field or "").removeprefix("contact.")
                field = f"contact_{field}" if f"contact_{field}" in form.fields else field
                form.add_error(field if field in form.fields else None, error.message)
            else:
                case = letter.intake.case
                messages.success(
                    request,
                    _("Case %(reference)s created; its clocks count from %(day)s, the day it arrived.")
                    % {
                        "reference": display(case.reference),
                        "day": formats.date_format(letter.scan.received_on, "DATE_FORMAT"),
                    },
                )
                missing = standing.missing_details_of(case)
                if missing:
                    messages.warning(
                        request,
                        _("Still missing from this complaint: %(missing)s.")
                        % {"missing": ", ".join(str(standing.DETAIL_LABELS[key]) for key in missing)},
                    )
                return redirect("desk:case", reference=case.reference)
        status = 422
    else:
        today = timesource.now().astimezone(jurisdiction.zone).date() if jurisdiction is not None else None
        form = LetterForm(
            initial={"language": jurisdiction.languages[0] if jurisdiction else "en", "received_on": today},
            jurisdiction=jurisdiction,
        )
    return render(
        request,
        "desk/new_letter.html",
        {**nav_context(request, "letter"), "form": form, "largest": scans.MAX_SCAN_BYTES // (1024 * 1024)},
        status=status,
    )


def _register(request: DeskRequest, form: LetterForm) -> actions.RegisteredLetter:
    data = form.cleaned_data
    assert request.jurisdiction is not None  # noqa: S101 — checked by the caller
    upload = data["scan"]
    try:
        scans.check_size(upload.size)  # before reading it into memory
    except scans.ScanRefused as refused:
        raise InvalidInput(str(refused), field="scan") from None
    contact = actions.ContactDetails(
        name=data["contact_name"],
        title=data.get("contact_title", ""),
        organisation=data["contact_organisation"],
        email=data["contact_email"],
        phone=data["contact_phone"],
        address=data["contact_address"],
        language=data["language"],
        interpreter_requested=data["interpreter_requested"],
    )
    return actions.register_letter(
        jurisdiction=request.jurisdiction,
        actor=request.user,
        channel=data["channel"],
        received_on=data["received_on"],
        kind=data["kind"],
        description=data["description"],
        scan=actions.Scan(content=upload.read(), name=upload.name or ""),
        service=data["service"],
        contact=None if contact.empty else contact,
        address=data["address"],
        occurred_at=data["occurred_at"],
        people_involved=data["people_involved"],
        outcome_sought=data["outcome_sought"],
        hazard=True if data["hazard"] else None,
        safety_threat=data["safety_threat"],
        third_party_unidentified=data["third_party_unidentified"],
        council_involved=data["council_involved"],
        language=data["language"],
        interpreter_requested=data["interpreter_requested"],
    )
