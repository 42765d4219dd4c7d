from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from civicdesk.channels.open311.keys import revoke
from civicdesk.channels.open311.models import ApiKey, AttributeValue, ServiceAttribute
from civicdesk.domain.city.admin import JurisdictionScopedAdmin


@admin.register(ApiKey)
class ApiKeyAdmin(JurisdictionScopedAdmin):
    """Keys are issued by ``civicdesk manage create_open311_key CLIENT_NAME`` (shown once); here they are listed and revoked."""

    list_display = ["client_name", "prefix", "jurisdiction", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at", "jurisdiction"]
    search_fields = ["client_name", "prefix"]
    readonly_fields = ["prefix", "jurisdiction", "created_at", "last_used_at", "revoked_at"]
    fields = ["client_name", "prefix", "jurisdiction", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke_keys"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False  # revoke instead: the row records which client sent each report

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = revoke(queryset)
        self.message_user(request, f"{count} key(s) revoked.", messages.SUCCESS)


class AttributeValueInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AttributeValue
    fields = ["order", "key", "name"]
    extra = 0


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(JurisdictionScopedAdmin):
    """The questions of each service's Open311 service definition; list questions need their choices below."""

    list_display = ["service", "order", "code", "datatype", "required", "variable"]
    list_filter = ["jurisdiction", "datatype", "required"]
    list_select_related = ["service"]
    search_fields = ["code", "description", "service__code", "service__name"]
    fields = ["service", "order", "code", "description", "datatype", "datatype_description", "required", "variable"]
    inlines = [AttributeValueInline]

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        assert isinstance(obj, ServiceAttribute)  # noqa: S101 — this admin edits only questions
        obj.jurisdiction_id = obj.service.jurisdiction_id
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: object, formset: object, change: bool) -> None:
        instances = formset.save(commit=False)  # type: ignore[attr-defined]
        for value in instances:
            value.jurisdiction_id = value.attribute.jurisdiction_id
            value.save()
        for removed in formset.deleted_objects:  # type: ignore[attr-defined]
            removed.delete()
        formset.save_m2m()  # type: ignore[attr-defined]
