"""The city's message templates in the administration site: each kind in each language, from the default, with a preview.

The Customer Care administrator lists every message the product sends in
each of the city's languages, starts a city's own version from the shipped
text ("Add from the default"), and previews a template, as edited and before
it is saved, against a sample case or a case of the city given by its
reference. A template that does not render, or names a variable its message
does not have, is refused when saved, with what is wrong.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicdesk.domain.cases import actions, notifications
from civicdesk.domain.cases.models import Case, Kind
from civicdesk.domain.cases.references import display, normalise
from civicdesk.domain.city.admin import JurisdictionScopedAdmin
from civicdesk.domain.city.models import Jurisdiction, Service
from civicdesk.domain.outbox import templates
from civicdesk.domain.outbox.models import MessageTemplate
from civicdesk.domain.people.models import Contact, Title

KIND_CHOICES = [(code, spec.label) for code, spec in templates.KINDS.items()]


def variables_help(kind: str) -> list[tuple[str, str]]:
    """The variables a template of ``kind`` may use, with what each holds, for the form's help."""
    return [(f"{{{{ {name} }}}}", str(text)) for name, text in templates.variables_of(kind).items()]


class MessageTemplateForm(forms.ModelForm):  # type: ignore[type-arg]
    kind = forms.ChoiceField(label=_("message"), choices=KIND_CHOICES)
    language = forms.ChoiceField(label=_("language"), choices=settings.LANGUAGES)
    preview_case = forms.CharField(
        label=_("Preview with case"),
        required=False,
        help_text=_("A case reference of the city to preview with; empty, a sample case. Not saved."),
    )

    class Meta:
        model = MessageTemplate
        fields = ["jurisdiction", "kind", "language", "subject", "body", "preview_case"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18, "cols": 90})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, subject, body = data.get("kind"), data.get("subject"), data.get("body")
        if kind and subject is not None and body is not None:
            try:
                templates.check(kind, subject, body, data.get("language") or settings.LANGUAGE_CODE)
            except templates.TemplateProblem as problem:
                self.add_error(problem.field if problem.field in self.fields else None, problem.message)
        return data


def sample_case(city: Jurisdiction, language: str) -> Case:
    """A case that is never saved, to preview a template with: a complaint from Ms Li Chen about a city service."""
    service = Service.objects.filter(jurisdiction=city, active=True).select_related("department").first()
    return Case(
        jurisdiction=city,
        reference="123456789",
        kind=Kind.COMPLAINT,
        channel="web",
        service=service,
        department=service.department if service else None,
        contact=Contact(jurisdiction=city, title=Title.MS, name="Li Chen", language=language),
        language=language,
        description="",
    )


@admin.register(MessageTemplate)
class MessageTemplateAdmin(JurisdictionScopedAdmin):
    form = MessageTemplateForm
    list_display = ("message", "language", "subject", "updated_by", "updated_at")
    list_filter = ("kind", "language")
    search_fields = ("subject", "body")
    readonly_fields = ("updated_by", "updated_at")
    change_form_template = "admin/outbox/messagetemplate/change_form.html"
    change_list_template = "admin/outbox/messagetemplate/change_list.html"

    @admin.display(description=_("message"), ordering="kind")
    def message(self, obj: MessageTemplate) -> str:
        spec = templates.KINDS.get(obj.kind)
        return str(spec.label) if spec else obj.kind

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """Add from the default: the add form opened for a kind and language starts from the shipped text."""
        initial = super().get_changeform_initial_data(request)
        kind, language = request.GET.get("kind", ""), request.GET.get("language", "")
        if kind in templates.KINDS and language in dict(settings.LANGUAGES):
            initial["subject"], initial["body"] = templates.default(kind, language)
        user: Any = request.user
        if user.jurisdiction_id:
            initial["jurisdiction"] = user.jurisdiction_id
        return initial

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id) if object_id else None
        kind = obj.kind if obj else request.GET.get("kind", "")
        extra = {
            **(extra_context or {}),
            "variables": variables_help(kind) if kind in templates.KINDS else [],
            "preview_url": reverse("admin:outbox_messagetemplate_preview"),
        }
        return super().changeform_view(request, object_id, form_url, extra)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return super().changelist_view(request, {**(extra_context or {}), "messages_table": self._table(request)})

    def _city(self, request: HttpRequest) -> Jurisdiction | None:
        user: Any = request.user
        if user.jurisdiction_id:
            return Jurisdiction.objects.filter(pk=user.jurisdiction_id).first()
        return None

    def _table(self, request: HttpRequest) -> list[dict[str, Any]]:
        """Every kind in every language of the city: its own template (to edit) or the default (to start from)."""
        city = self._city(request)
        languages = (city.languages if city else None) or [code for code, _name in settings.LANGUAGES]
        own = {
            (t.kind, t.language): t
            for t in (MessageTemplate.objects.filter(jurisdiction=city) if city else MessageTemplate.objects.none())
        }
        add = reverse("admin:outbox_messagetemplate_add")
        preview = reverse("admin:outbox_messagetemplate_preview")
        rows = []
        for code, spec in templates.KINDS.items():
            cells = []
            for language in languages:
                template = own.get((code, language))
                cells.append(
                    {
                        "language": language,
                        "own": template is not None,
                        "edit": reverse("admin:outbox_messagetemplate_change", args=[template.pk])
                        if template
                        else f"{add}?{urlencode({'kind': code, 'language': language})}",
                        "preview": f"{preview}?{urlencode({'kind': code, 'language': language})}",
                    }
                )
            rows.append({"label": spec.label, "audience": spec.audience, "cells": cells})
        return rows

    def get_urls(self) -> list[URLPattern]:
        preview = path("preview/", self.admin_site.admin_view(self.preview_view), name="outbox_messagetemplate_preview")
        return [preview, *super().get_urls()]  # before the catch-all <object_id>/ redirect

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The template as edited (posted from the change form) or as it stands, written out for a case; nothing saved."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else request.GET
        kind, language = data.get("kind", ""), data.get("language", "")
        errors: list[str] = []
        subject = body = ""
        if kind not in templates.KINDS or language not in dict(settings.LANGUAGES):
            errors.append(gettext("Choose the message and the language to preview."))
        city = self._preview_city(request, data)
        case: Case | None = None
        reference = data.get("preview_case", "").strip() or data.get("case", "").strip()
        if reference and city is not None:
            normalised = normalise(reference)
            case = (
                Case.objects.select_related("jurisdiction", "service", "department", "contact")
                .filter(jurisdiction=city, reference=normalised)
                .first()
                if normalised
                else None
            )
            if case is None:
                errors.append(
                    gettext("No case of this city has the reference %(reference)s.") % {"reference": reference}
                )
        if city is None:
            errors.append(gettext("Choose the city whose template this is."))
        if not errors and city is not None:
            if "subject" in data and "body" in data:
                source = (data["subject"], data["body"])
            else:
                source = templates.current(city.pk, kind, language)
            try:
                templates.check(kind, *source, language=language)
            except templates.TemplateProblem as problem:
                errors.append(problem.message)
            else:
                subject, body = self._rendered(kind, language, source, case or sample_case(city, language))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview"),
            "subtitle": str(templates.KINDS[kind].label) if kind in templates.KINDS else "",
            "opts": self.opts,
            "errors": errors,
            "subject": subject,
            "body": body,
            "language": dict(settings.LANGUAGES).get(language, language),
            "case_reference": display(case.reference) if case else "",
        }
        return TemplateResponse(request, "admin/outbox/messagetemplate/preview.html", context)

    def _preview_city(self, request: HttpRequest, data: Any) -> Jurisdiction | None:
        city = self._city(request)
        user: Any = request.user
        if city is None and user.is_superuser:
            chosen = data.get("jurisdiction", "")
            city = Jurisdiction.objects.filter(pk=chosen).first() if str(chosen).isdigit() else None
        return city

    @staticmethod
    def _rendered(kind: str, language: str, source: tuple[str, str], case: Case) -> tuple[str, str]:
        """``source`` written out for ``case`` in ``language``: the case's own values, samples for the kind's."""
        with translation.override(language):
            values = {
                **templates.sample_context(kind, language),
                **notifications.case_values(case, actor=None),
            }
            if kind == "closed":
                values["ombudsman"] = actions.ombudsman_information(case.jurisdiction, language)
            return templates.render(*source, values)
