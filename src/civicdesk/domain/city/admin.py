"""The city's structure in the administration site, each page scoped to the staff member's jurisdiction.

The jurisdiction's own page is registered by the desk channel
(:mod:`civicdesk.channels.desk.admin`): changing its standards profile is a case
action (the running clocks are recomputed and journaled), which the city app
cannot call.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest

from civicdesk.domain.city.models import Department, Division, Jurisdiction, Service


class JurisdictionScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Staff of one jurisdiction see and pick only that jurisdiction's rows; platform admins see all."""

    def _scope(self, request: HttpRequest) -> int | None:
        user: Any = request.user
        return None if user.is_superuser else user.jurisdiction_id

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        scope = self._scope(request)
        if scope is None and not getattr(request.user, "is_superuser", False):
            return queryset.none()
        return queryset if scope is None else queryset.filter(jurisdiction_id=scope)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> ModelChoiceField | None:  # type: ignore[type-arg]
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        scope = self._scope(request)
        if field is not None and field.queryset is not None and scope is not None:
            model = db_field.related_model
            if model is Jurisdiction:
                field.queryset = field.queryset.filter(pk=scope)
            elif any(f.name == "jurisdiction" for f in model._meta.get_fields()):
                field.queryset = field.queryset.filter(jurisdiction_id=scope)
        return field

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        scope = self._scope(request)
        if scope is not None:
            obj.jurisdiction_id = scope  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)


@admin.register(Department)
class DepartmentAdmin(JurisdictionScopedAdmin):
    list_display = ["name", "code", "director", "jurisdiction", "active", "customer_care"]
    list_filter = ["jurisdiction", "active"]
    search_fields = ["name", "code"]
    list_select_related = ["director", "jurisdiction"]


@admin.register(Division)
class DivisionAdmin(JurisdictionScopedAdmin):
    list_display = ["name", "code", "department", "supervisor", "active"]
    list_filter = ["jurisdiction", "department", "active"]
    search_fields = ["name", "code"]
    list_select_related = ["department", "supervisor"]


@admin.register(Service)
class ServiceAdmin(JurisdictionScopedAdmin):
    list_display = ["name", "code", "category", "department", "is_hazard", "alleges_wrongdoing", "public", "active"]
    list_filter = ["jurisdiction", "department", "category", "is_hazard", "alleges_wrongdoing", "public", "active"]
    search_fields = ["name", "code", "keywords"]
    list_select_related = ["department"]
