"""New case: a CSR on the phone or at the counter records the contact (PK-CHANNELS, PK-ANON, PK-ROUTE).

The guidance panel (suggested services, the standard timeline to tell the
caller, missing complaint details, the anonymity rule, possible duplicates)
is rendered by the "Check" button without JavaScript and refreshed by htmx
as the CSR types.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from civicdesk.channels.desk import selectors
from civicdesk.channels.desk.forms import IntakeForm
from civicdesk.channels.desk.views.common import DeskRequest, desk_view, nav_context
from civicdesk.channels.ui import wording
from civicdesk.domain.cases import actions, standing
from civicdesk.domain.cases.errors import CaseError
from civicdesk.domain.cases.models import Kind
from civicdesk.domain.city.models import Service
from civicdesk.domain.people.models import Contact
from civicdesk.platform import timesource

CONTACT_PREFILL = {
    "contact_name": "name",
    "contact_organisation": "organisation",
    "contact_email": "email",
    "contact_phone": "phone",
    "contact_address": "address",
}
# Where a refusal from create_case belongs on the form.
ERROR_FIELDS = {"latitude": "address", "longitude": "address"}


def _checked(data: Any, name: str) -> bool:
    return str(data.get(name, "")).lower() in ("on", "true", "1")


def guidance(request: DeskRequest, data: Any) -> dict[str, Any]:
    """Everything the CSR should tell or ask the caller, from the form's current values.

    The rules are the intake action's own (:mod:`civicdesk.domain.cases.standing`): the
    timeline is what the case would be promised, the missing details and the
    anonymity warning what it would be recorded with.
    """
    jurisdiction = request.jurisdiction
    if jurisdiction is None:
        return {}
    service = None
    if str(data.get("service", "")).isdigit():
        service = Service.objects.filter(jurisdiction=jurisdiction, active=True, pk=int(data["service"])).first()
    kind = data.get("kind") or Kind.SERVICE_REQUEST
    channel = data.get("channel") or "phone"
    description = str(data.get("description", ""))
    profile = selectors.profile_for(jurisdiction)
    hazard = _checked(data, "hazard") or bool(service and service.is_hazard)
    caller = Contact(**{attr: str(data.get(name, "")).strip() for name, attr in CONTACT_PREFILL.items()})
    third_party, threat = _checked(data, "third_party_unidentified"), _checked(data, "safety_threat")
    allegation = bool(service and service.alleges_wrongdoing)
    investigate = standing.would_investigate(
        kind=kind,
        identified=caller.identified,
        third_party_unidentified=third_party,
        safety_threat=threat,
        allegation=allegation,
    )
    # Not investigated as it stands (PK-ANON): what the caller is promised once they say who they are.
    once_identified = not investigate and standing.would_investigate(
        kind=kind, identified=True, third_party_unidentified=third_party, safety_threat=threat, allegation=allegation
    )
    now = timesource.now()

    def promised(investigated: bool) -> list[wording.PromiseLine]:
        return wording.promises(
            profile,
            kind=kind,
            channel=channel,
            hazard=hazard,
            investigate=investigated,
            has_service=service is not None,
            now=now,
            safety_threat=threat,
        )

    missing = standing.missing_details(
        kind=kind,
        description=description,
        occurred_at=str(data.get("occurred_at", "")),
        people_involved=str(data.get("people_involved", "")),
        outcome_sought=str(data.get("outcome_sought", "")),
        has_contact=any(str(data.get(name, "")).strip() for name in CONTACT_PREFILL),
    )
    suggestions = [s for s in selectors.suggest_services(jurisdiction, description) if s != service]
    return {
        "g_service": service,
        "g_kind": kind,
        "g_promises": promised(investigate),
        "g_if_identified": promised(True) if once_identified else [],
        "g_feedback": kind == Kind.FEEDBACK,
        "g_missing": [standing.DETAIL_LABELS[key] for key in missing],
        "g_anonymous": not investigate,
        "g_suggestions": suggestions,
        "g_duplicates": selectors.possible_duplicates(request.user, service, str(data.get("address", ""))),
        "g_hazard": hazard,
        "g_emergency": standing.emergency_notice(
            profile, hazard=hazard, safety_threat=threat, language=get_language() or profile.languages[0]
        ),
    }


def _initial(request: DeskRequest) -> dict[str, Any]:
    jurisdiction = request.jurisdiction
    initial: dict[str, Any] = {"language": jurisdiction.languages[0] if jurisdiction else "en"}
    contact_id = request.GET.get("contact", "")
    if contact_id.isdigit():
        contact = selectors.contact_for(request.user, jurisdiction, int(contact_id))
        if contact is not None:
            initial.update({field: getattr(contact, attr) for field, attr in CONTACT_PREFILL.items()})
            initial["contact_id"] = contact.pk
            if jurisdiction and contact.language in jurisdiction.languages:
                initial["language"] = contact.language
            initial["interpreter_requested"] = contact.interpreter_requested
    return initial


@desk_view
def new_case(request: DeskRequest) -> HttpResponse:
    if not request.user.has_perm("cases.add_case"):
        raise PermissionDenied
    jurisdiction = request.jurisdiction
    status = 200
    if request.method == "POST":
        form = IntakeForm(request.POST, jurisdiction=jurisdiction)
        if form.is_valid() and "check" not in request.POST and jurisdiction is not None:
            try:
                intake = _create(request, form)
            except CaseError as error:
                field = ERROR_FIELDS.get(error.field or "", error.field or "")
                form.add_error(field if field in form.fields else None, error.message)
            else:
                case = intake.case
                messages.success(request, _("Case %(reference)s created.") % {"reference": _ref(case.reference)})
                missing = standing.missing_details_of(case)
                if missing:
                    messages.warning(
                        request,
                        _("Still missing from this complaint: %(missing)s.")
                        % {"missing": ", ".join(str(standing.DETAIL_LABELS[key]) for key in missing)},
                    )
                return redirect("desk:case", reference=case.reference)
        if form.errors:
            status = 422
        data: Any = request.POST
    else:
        form = IntakeForm(initial=_initial(request), jurisdiction=jurisdiction)
        data = {**{name: form.value(name) for name in form.fields}, **request.GET.dict()}
        data = {k: ("" if v is None else (v.pk if hasattr(v, "pk") else v)) for k, v in data.items()}
    find = request.GET.get("find", "").strip()
    context = {
        **nav_context(request, "new"),
        "form": form,
        "find": find,
        "found": selectors.find_contacts(request.user, jurisdiction, find) if find else [],
        "may_see_contact": request.user.has_perm("cases.view_contact"),
        **guidance(request, data),
    }
    return render(request, "desk/new_case.html", context, status=status)


@desk_view
def intake_guidance(request: DeskRequest) -> HttpResponse:
    """The guidance panel alone, for htmx as the CSR fills the form."""
    if not request.user.has_perm("cases.add_case"):
        raise PermissionDenied
    return render(request, "desk/_guidance.html", guidance(request, request.GET))


def _ref(reference: str) -> str:
    from civicdesk.domain.cases.references import display

    return display(reference)


def _found_contact(request: DeskRequest, contact_id: int | None) -> int | None:
    """The resident the CSR found on file, if this user may see contacts (PK-PRIV)."""
    if contact_id is None:
        return None
    contact = selectors.contact_for(request.user, request.jurisdiction, contact_id)
    return contact.pk if contact is not None else None


def _create(request: DeskRequest, form: IntakeForm) -> actions.Intake:
    data = form.cleaned_data
    assert request.jurisdiction is not None  # noqa: S101 — checked by the caller
    contact = actions.ContactDetails(
        name=data["contact_name"],
        title=data.get("contact_title", ""),
        organisation=data["contact_organisation"],
        email=data["contact_email"],
        phone=data["contact_phone"],
        address=data["contact_address"],
        language=data["language"],
        interpreter_requested=data["interpreter_requested"],
        existing=_found_contact(request, data.get("contact_id")),
    )
    return actions.create_case(
        jurisdiction=request.jurisdiction,
        actor=request.user,
        kind=data["kind"],
        channel=data["channel"],
        description=data["description"],
        service=data["service"],
        received_at=data["received_at"],
        contact=None if contact.empty else contact,
        feedback_type=data["feedback_type"],
        occurred_at=data["occurred_at"],
        people_involved=data["people_involved"],
        outcome_sought=data["outcome_sought"],
        address=data["address"],
        hazard=True if data["hazard"] else None,
        safety_threat=data["safety_threat"],
        third_party_unidentified=data["third_party_unidentified"],
        council_involved=data["council_involved"],
        language=data["language"],
        interpreter_requested=data["interpreter_requested"],
    )
