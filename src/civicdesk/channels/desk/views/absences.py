"""Staff absences (PK-OOO): record your own (or your staff's), see who is away and who answers for them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicdesk.channels.desk.forms import AbsenceForm
from civicdesk.channels.desk.views.common import DeskRequest, desk_view, nav_context
from civicdesk.domain.cases import actions, notifications
from civicdesk.domain.cases.actions.absence import may_record_for, threshold_days
from civicdesk.domain.cases.errors import CaseError, NotAllowed
from civicdesk.domain.staff.models import Absence, User
from civicdesk.platform import timesource


def _colleagues(user: User) -> list[User]:
    if user.jurisdiction_id is None:
        return []
    return list(User.objects.filter(jurisdiction_id=user.jurisdiction_id, is_active=True).order_by("last_name"))


def _form(request: DeskRequest, data: Any = None) -> AbsenceForm:
    user = request.user
    colleagues = _colleagues(user)
    people = [user, *(p for p in colleagues if p.pk != user.pk and may_record_for(user, p))]
    return AbsenceForm(data, people=people, colleagues=colleagues, initial={"person": user.pk})


def _page(request: DeskRequest, form: AbsenceForm, status: int = 200) -> HttpResponse:
    user = request.user
    zone = request.jurisdiction.zone if request.jurisdiction is not None else None
    today = timesource.now().astimezone(zone).date() if zone else timesource.now().date()
    current = (
        Absence.objects.filter(ended_at__isnull=True, returns__gt=today, user__jurisdiction=user.jurisdiction)
        .select_related("user", "alternate")
        .order_by("starts", "user__last_name")
    )
    language = get_language() or settings.LANGUAGE_CODE
    rows = [
        {
            "absence": a,
            "away_now": a.covers(today),
            "may_end": may_record_for(user, a.user),
            "notice": notifications.out_of_office_preview(a, language),
        }
        for a in current
    ]
    needed = threshold_days(user)
    return render(
        request,
        "desk/absences.html",
        {**nav_context(request, "absences"), "form": form, "rows": rows, "threshold": needed},
        status=status,
    )


@desk_view
def absences(request: DeskRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, _form(request))
    form = _form(request, request.POST)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.record_absence(
                user=data["person"],
                actor=request.user,
                starts=data["starts"],
                returns=data["returns"],
                alternate=data["alternate"],
            )
        except CaseError as error:
            status = 403 if isinstance(error, NotAllowed) else 422
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message[:1].upper() + error.message[1:] + ".")
        else:
            messages.success(request, _("Absence recorded: new work and staff messages go to the alternate meanwhile."))
            return redirect("desk:absences")
    return _page(request, form, status)


@require_POST
@desk_view
def end(request: DeskRequest, pk: int) -> HttpResponse:
    absence = Absence.objects.filter(pk=pk, user__jurisdiction=request.user.jurisdiction).first()
    if absence is None:
        raise Http404
    try:
        actions.end_absence(absence=absence, actor=request.user)
    except CaseError as error:
        messages.error(request, error.message[:1].upper() + error.message[1:] + ".")
    else:
        messages.success(request, _("Absence ended: their work comes to them again."))
    return redirect("desk:absences")
