"""The public portal: report to the city, get a reference, look up its status. No sign-in (PK-CHANNELS web form).

Cases are created with :func:`civicdesk.domain.cases.actions.create_case` like every
other channel; it queues the resident's receipt email to the outbox in the same
transaction.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from civicdesk.channels.portal import selectors
from civicdesk.channels.portal.forms import COMPLIMENT, SUGGESTION, ReportForm, StatusForm
from civicdesk.channels.portal.models import StatusKey, digest_of
from civicdesk.channels.portal.selectors import case_for_resident, public_status
from civicdesk.channels.ui import files, wording
from civicdesk.domain.cases import actions, clocks, notifications, standing
from civicdesk.domain.cases.errors import CaseError
from civicdesk.domain.cases.models import AttachmentSource, Case, FeedbackType, Kind, Purpose
from civicdesk.domain.cases.references import display
from civicdesk.domain.city.models import Jurisdiction
from civicdesk.domain.inbox import storage
from civicdesk.engines.standards import Profile
from civicdesk.platform import timesource
from civicdesk.platform.throttle import limits
from civicdesk.platform.throttle.counters import Verdict, refund

SESSION_KEY = "portal_submitted"
LINK_SESSION_KEY = "portal_status_link"
ACTOR_LABEL = "resident (web)"


def _city_context(jurisdiction: Jurisdiction) -> dict[str, Any]:
    """After-hours notice (PB-AFTERHOURS), when to expect an answer, and the Ombudsman (PK-OMB)."""
    profile = clocks.profile_for(jurisdiction)
    now = timesource.now()
    return {
        "city": jurisdiction,
        "emergency": profile.emergency_notice(get_language() or jurisdiction.languages[0]),
        "office_open": profile.calendar.is_open(now),
        "next_opening": profile.calendar.next_opening(now),
        "promises": _promised(profile, Kind.SERVICE_REQUEST, now),
        "complaint_promises": _promised(profile, Kind.COMPLAINT, now),
        "ombudsman": actions.ombudsman_information(jurisdiction),
    }


def _promised(profile: Profile, kind: str, now: datetime) -> list[wording.PromiseLine]:
    """What a resident reporting on the web who says who they are is promised (the form asks for a service)."""
    return wording.promises(
        profile, kind=kind, channel="web", hazard=False, investigate=True, has_service=True, now=now
    )


def _only_city() -> Jurisdiction | None:
    cities = list(Jurisdiction.objects.order_by("name")[:2])
    return cities[0] if len(cities) == 1 else None


def report_start(request: HttpRequest) -> HttpResponse:
    """One city: straight to its form; several: let the resident choose."""
    city = _only_city()
    if city is not None:
        return redirect("portal:report_for", jurisdiction=city.slug)
    return render(request, "portal/choose_city.html", {"cities": Jurisdiction.objects.order_by("name")})


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


@never_cache
def report(request: HttpRequest, jurisdiction: str) -> HttpResponse:
    city = Jurisdiction.objects.filter(slug=jurisdiction).first()
    if city is None:
        raise Http404
    with timezone.override(city.zone):
        return _report(request, city)


def _report(request: HttpRequest, city: Jurisdiction) -> HttpResponse:
    status = 200
    retry_after: int | None = None
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, jurisdiction=city)
        if form.is_bot:
            # Say nothing useful to a bot, and record nothing; it still uses up its address's allowance.
            limits.PORTAL_REPORT.count_client(request)
            return render(request, "portal/received.html", {"city": city})
        status = 422
        # Only a report that could be recorded counts toward the limit: a resident correcting
        # mistakes is never locked out, and every refusal gives back the form as they typed it.
        if form.is_valid():
            verdict = limits.PORTAL_REPORT.count_client(request)
            if not verdict.allowed:
                status, retry_after = 429, verdict.retry_after
                form.add_error(None, _too_many_reports(city, verdict))
            else:
                try:
                    case = _submit(request, city, form.cleaned_data)
                except CaseError as error:
                    refund(verdict)
                    form.add_error(error.field if error.field in form.fields else None, error.message)
                else:
                    request.session[SESSION_KEY] = case.reference
                    return redirect("portal:sent")
    else:
        form = ReportForm(jurisdiction=city)
    response = render(
        request, "portal/report.html", {"form": form, "current": "report", **_city_context(city)}, status=status
    )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _too_many_reports(city: Jurisdiction, verdict: Verdict) -> str:
    minutes = _minutes(verdict.retry_after)
    if city.phone:
        return _(
            "We have received many reports from your connection in the last while. Your report is kept below: "
            "send it again in %(minutes)s minutes, or call Customer Care at %(phone)s."
        ) % {"minutes": minutes, "phone": city.phone}
    return _(
        "We have received many reports from your connection in the last while. Your report is kept below: "
        "send it again in %(minutes)s minutes, or call Customer Care."
    ) % {"minutes": minutes}


def _submit(request: HttpRequest, city: Jurisdiction, data: dict[str, Any]) -> Case:
    kind = data["kind"]
    feedback_type = ""
    if kind in (COMPLIMENT, SUGGESTION):
        kind, feedback_type = (
            Kind.FEEDBACK,
            FeedbackType.COMPLIMENT if data["kind"] == COMPLIMENT else FeedbackType.SUGGESTION,
        )
    description = data["description"]
    if data["interpreter_requested"]:
        # PB-XLATE: the case records the request; the language asked for goes with the description.
        description += "\n\n" + _("Interpreter or translated documents requested in: %(language)s") % {
            "language": data["interpreter_language"].strip()
        }
    contact = actions.ContactDetails(
        name=data["name"],
        title=data.get("title", ""),
        email=data["email"],
        phone=data["phone"],
        language=data["language"],
        interpreter_requested=data["interpreter_requested"],
    )
    # The receipt carries the case's status link; the secret is stored (as a digest) in the same transaction.
    secret = secrets.token_urlsafe(24)
    status_url = request.build_absolute_uri(reverse("portal:status_link", args=[secret]))
    with transaction.atomic():
        intake = _create(request, city, data, kind, feedback_type, description, contact, status_url)
        StatusKey.objects.update_or_create(
            case=intake.case, defaults={"digest": digest_of(secret), "jurisdiction": city}
        )
        for photo in data["photos"]:
            # The resident's own photos are public: they see them on their status page.
            actions.attach_file(
                case=intake.case,
                actor=None,
                actor_label=ACTOR_LABEL,
                source=AttachmentSource.RESIDENT,
                upload=photo,
                public=True,
            )
    request.session[LINK_SESSION_KEY] = status_url
    return intake.case


def _create(
    request: HttpRequest,
    city: Jurisdiction,
    data: dict[str, Any],
    kind: str,
    feedback_type: str,
    description: str,
    contact: actions.ContactDetails,
    status_url: str,
) -> actions.Intake:
    return actions.create_case(
        jurisdiction=city,
        actor=None,
        actor_label=ACTOR_LABEL,
        kind=kind,
        channel="web",
        description=description,
        service=data["service"],
        contact=None if contact.empty else contact,
        feedback_type=feedback_type,
        occurred_at=data["occurred_at"],
        people_involved=data["people_involved"],
        outcome_sought=data["outcome_sought"],
        address=data["address"],
        # Unticked, the service decides (a fallen tree is a hazard by itself); ticked, the resident does (PK-HAZARD).
        hazard=True if data["hazard"] else None,
        safety_threat=data["safety_threat"],
        language=data["language"],
        interpreter_requested=data["interpreter_requested"],
        receipt=actions.Receipt(status_url=status_url),
    )


def _expected_text(case: Case) -> str:
    """What the confirmation page tells the resident to expect: the same words as their receipt email."""
    acknowledge = case.commitments.filter(purpose=Purpose.ACKNOWLEDGE).order_by("due_at").first()
    return notifications.expected_reply(case, acknowledge_by=acknowledge.due_at if acknowledge else None)


@never_cache
def sent(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(SESSION_KEY)
    case = (
        Case.objects.select_related("jurisdiction", "contact").filter(reference=reference).first()
        if reference
        else None
    )
    if case is None:
        return redirect("portal:report")
    with timezone.override(case.jurisdiction.zone):
        return render(
            request,
            "portal/sent.html",
            {
                **_city_context(case.jurisdiction),
                "case": case,
                "reference": display(case.reference),
                "expected": _expected_text(case),
                "emailed": bool(case.contact and case.contact.email),
                # Safety first: a resident who reported a hazard is told again what to do while they wait.
                "emergency": standing.emergency_notice(
                    clocks.profile_for(case.jurisdiction),
                    hazard=case.hazard,
                    safety_threat=case.safety_threat,
                    language=case.language,
                ),
                "status_link": request.session.get(LINK_SESSION_KEY, ""),
            },
        )


@never_cache
def status(request: HttpRequest) -> HttpResponse:
    """Status by reference plus the email or phone given; one answer for a wrong reference and a wrong contact."""
    result = None
    code = 200
    verdict: Verdict | None = None
    if request.method == "POST":
        verdict = limits.PORTAL_STATUS.count_client(request)
        form = StatusForm(request.POST)
        if not verdict.allowed:
            code = 429
            form.add_error(None, _too_many_look_ups(_only_city(), verdict))
        elif form.is_valid():
            per_reference = limits.PORTAL_REFERENCE.count(form.cleaned_data["reference"])
            case = (
                case_for_resident(form.cleaned_data["reference"], form.cleaned_data["contact"])
                if per_reference.allowed
                else None
            )
            if not per_reference.allowed:
                verdict, code = per_reference, 429
                form.add_error(None, _too_many_look_ups(_only_city(), per_reference))
            elif case is None:
                form.add_error(
                    None,
                    _(
                        "We could not find a request with that reference number and that email address or phone "
                        "number. Check both and try again, or call Customer Care."
                    ),
                )
                code = 404
            else:
                result = public_status(case)
        else:
            code = 422
    else:
        form = StatusForm()
    city = result.case.jurisdiction if result else _only_city()
    context = {
        "current": "status",
        "form": form,
        "result": result,
        "reference": display(result.case.reference) if result else "",
        "city": city,
        "ombudsman": actions.ombudsman_information(city)
        if city and result and result.case.kind == Kind.COMPLAINT
        else "",
    }
    return _status_page(request, context, city, code, verdict)


def _status_page(
    request: HttpRequest, context: dict[str, Any], city: Jurisdiction | None, code: int, verdict: Verdict | None
) -> HttpResponse:
    if city is None:
        response = render(request, "portal/status.html", context, status=code)
    else:
        with timezone.override(city.zone):
            response = render(request, "portal/status.html", context, status=code)
    if code == 429 and verdict is not None:
        response["Retry-After"] = str(verdict.retry_after)
    return response


@never_cache
def status_link(request: HttpRequest, key: str) -> HttpResponse:
    """The status page opened by the secret link in the web receipt: no reference or contact to type."""
    verdict = limits.PORTAL_STATUS.count_client(request)
    city = _only_city()
    form = StatusForm()
    if not verdict.allowed:
        notice = _too_many_look_ups(city, verdict)
        return _status_page(
            request, {"current": "status", "form": form, "city": city, "notice": notice}, city, 429, verdict
        )
    found = StatusKey.objects.select_related("case__jurisdiction").filter(digest=digest_of(key)).first()
    if found is None:
        notice = _(
            "This status link does not work. Enter your reference number and the email address or phone "
            "number you gave us, or call Customer Care."
        )
        return _status_page(
            request, {"current": "status", "form": form, "city": city, "notice": notice}, city, 404, verdict
        )
    result = public_status(found.case)
    city = found.case.jurisdiction
    context = {
        "current": "status",
        "form": form,
        "result": result,
        "reference": display(found.case.reference),
        "city": city,
        "ombudsman": actions.ombudsman_information(city) if found.case.kind == Kind.COMPLAINT else "",
    }
    return _status_page(request, context, city, 200, verdict)


def _too_many_look_ups(city: Jurisdiction | None, verdict: Verdict) -> str:
    minutes = _minutes(verdict.retry_after)
    if city is not None and city.phone:
        return _(
            "We have received many look-ups from your connection. Try again in %(minutes)s minutes, "
            "or call Customer Care at %(phone)s."
        ) % {"minutes": minutes, "phone": city.phone}
    return _(
        "We have received many look-ups from your connection. Try again in %(minutes)s minutes, or call Customer Care."
    ) % {"minutes": minutes}


def _public(token: str, *, thumbnail: bool) -> FileResponse:
    row = selectors.public_file(token)
    if row is None or (thumbnail and not row.thumbnail_sha256):
        raise Http404
    path = storage.path_of(row.thumbnail_sha256 if thumbnail else row.sha256)
    if not path.is_file():
        raise Http404
    if row.is_image:
        return files.image(path.open("rb"), content_type=row.content_type)
    return files.download(path.open("rb"), filename=row.original_name or f"file-{row.pk}")


def public_file(request: HttpRequest, token: str) -> FileResponse:
    """A public photo or file of a case, by the signed link on its status page."""
    return _public(token, thumbnail=False)


def public_thumbnail(request: HttpRequest, token: str) -> FileResponse:
    return _public(token, thumbnail=True)
