"""The jurisdiction's page in the administration site: its standards profile changes only through the recompute action.

A city's profile is the one source of its calendar and its time zone, and
every running clock was computed on it. So the change form shows the profile
read only, and *Change the standards profile* calls
``civicdesk.domain.cases.actions.recompute.change_calendar``, which moves each
running clock onto the new calendar and journals the move on its case. A new
jurisdiction (no cases yet) picks its profile on the add form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civicdesk.domain.cases.actions import recompute
from civicdesk.domain.cases.errors import CaseError
from civicdesk.domain.city import profiles
from civicdesk.domain.city.models import Jurisdiction, validate_profile_name
from civicdesk.domain.outbox import review
from civicdesk.engines.standards import StandardsError, shipped_profiles

CHANGE_FIELDS = ("slug", "name", "languages", "profile", "calendar", "ombudsman_information", "review_before_release")
ADD_FIELDS = ("slug", "name", "languages", "profile", "ombudsman_information", "review_before_release")


class ReviewedKinds(forms.MultipleChoiceField):
    """LW-CORR: the messages to residents a second person approves, chosen from those the product sends."""

    default_error_messages = {
        "invalid_choice": _(
            "%(value)s is not a message the product sends to residents; choose among the messages listed."
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=lambda: [(code, label) for code, label in review.reviewable_kinds().items()],
            widget=forms.CheckboxSelectMultiple,
            required=False,
            **kwargs,
        )


class JurisdictionForm(forms.ModelForm):  # type: ignore[type-arg]
    review_before_release = ReviewedKinds(
        label=_("Review before release"),
        help_text=_(
            "LW-CORR: the messages to residents that a second person (a supervisor, director or Customer Care "
            "administrator) approves before they are sent. The receipt and the out-of-office notice, which the "
            "product writes by itself, never wait."
        ),
    )

    class Meta:
        model = Jurisdiction
        fields = list(ADD_FIELDS)


class ChangeProfileForm(forms.Form):
    profile = forms.CharField(
        label=_("New standards profile"),
        max_length=200,
        validators=[validate_profile_name],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["profile"].help_text = _(
            "A shipped profile (%(shipped)s) or the path of the city's own profile file. "
            "Giving the current profile again recomputes the clocks after its file was edited."
        ) % {"shipped": ", ".join(shipped_profiles())}


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = JurisdictionForm
    list_display = ["name", "slug", "profile", "time_zone"]
    search_fields = ["name", "slug"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Jurisdiction]:
        queryset = super().get_queryset(request)
        user: Any = request.user
        return queryset if user.is_superuser else queryset.filter(pk=user.jurisdiction_id)

    def get_fields(self, request: HttpRequest, obj: Jurisdiction | None = None) -> tuple[str, ...]:
        return CHANGE_FIELDS if obj is not None else ADD_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Jurisdiction | None = None) -> list[str]:
        # Read only, the profile is left out of the form: a posted value is ignored, never saved.
        return ["profile", "calendar"] if obj is not None else []

    @admin.display(description=_("time zone"))
    def time_zone(self, obj: Jurisdiction) -> str:
        try:
            return str(obj.zone)
        except StandardsError:
            return "—"

    @admin.display(description=_("calendar"))
    def calendar(self, obj: Jurisdiction) -> str:
        url = reverse("admin:city_jurisdiction_calendar", args=[obj.pk])
        return format_html(
            '{} <a href="{}">{}</a>', self.time_zone(obj), url, _("Change the standards profile (recomputes due dates)")
        )

    def get_urls(self) -> list[URLPattern]:
        calendar = path(
            "<path:object_id>/calendar/",
            self.admin_site.admin_view(self.change_profile_view),
            name="city_jurisdiction_calendar",
        )
        return [calendar, *super().get_urls()]  # before the catch-all <object_id>/ redirect

    def change_profile_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Change the city's standards profile through the recompute action (journaled on every moved case)."""
        city = self.get_object(request, unquote(object_id))
        if city is None:
            raise Http404
        user: Any = request.user
        if not (self.has_change_permission(request, city) and user.has_perm("city.manage_standards")):
            raise PermissionDenied
        form = ChangeProfileForm(request.POST or None, initial={"profile": city.profile})
        if request.method == "POST" and form.is_valid():
            profile = form.cleaned_data["profile"]
            profiles.profile_named.cache_clear()  # the city's own file may have been edited: read it as it is now
            try:
                moved = recompute.change_calendar(jurisdiction=city, profile=profile, actor=user)
            except ValidationError as error:
                form.add_error("profile", error)
            except CaseError as error:
                form.add_error("profile", error.message)
            else:
                message = ngettext(
                    "Standards profile set to %(profile)s; %(moved)d due date moved onto its calendar.",
                    "Standards profile set to %(profile)s; %(moved)d due dates moved onto its calendar.",
                    moved,
                ) % {"profile": profile, "moved": moved}
                self.log_change(request, city, message)
                self.message_user(request, message)
                return HttpResponseRedirect(reverse("admin:city_jurisdiction_change", args=[city.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change the standards profile"),
            "subtitle": str(city),
            "opts": self.opts,
            "original": city,
            "zone": self.time_zone(city),
            "form": form,
        }
        return TemplateResponse(request, "admin/city/jurisdiction/change_profile.html", context)


from civicdesk.channels.desk import template_admin  # noqa: E402, F401 — registers the message templates' pages
