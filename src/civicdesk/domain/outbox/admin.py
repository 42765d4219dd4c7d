"""The outbox in /admin/, read-only: what was sent, what is waiting, and every failed attempt with the server's answer."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from civicdesk.domain.city.admin import JurisdictionScopedAdmin
from civicdesk.domain.outbox.models import DeliveryAttempt, OutboxMessage


class DeliveryAttemptInline(admin.TabularInline):  # type: ignore[type-arg]
    model = DeliveryAttempt
    fields = ("attempted_at", "outcome", "detail")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(JurisdictionScopedAdmin):
    list_display = ("created_at", "kind", "audience", "recipient_user", "recipient_address", "state", "attempts")
    list_filter = ("state", "audience", "kind")
    search_fields = ("recipient_address", "subject", "case__reference", "message_id")
    date_hierarchy = "created_at"
    inlines = [DeliveryAttemptInline]
    list_select_related = ("recipient_user",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in OutboxMessage._meta.fields] + ["cc_users"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # messages come only from case actions, in their transaction

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
