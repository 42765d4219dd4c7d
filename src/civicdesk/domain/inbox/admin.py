"""Mail in, in /admin/, read-only: every message received, what became of it and why, and its attachments."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from civicdesk.domain.city.admin import JurisdictionScopedAdmin
from civicdesk.domain.inbox.models import InboundAttachment, InboundMessage


class InboundAttachmentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = InboundAttachment
    fields = ("filename", "content_type", "size", "kept", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(JurisdictionScopedAdmin):
    list_display = ("received_at", "sender", "subject", "outcome", "case")
    list_filter = ("outcome", "via")
    search_fields = ("sender", "subject", "message_id", "case__reference")
    date_hierarchy = "received_at"
    inlines = [InboundAttachmentInline]
    list_select_related = ("case",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in InboundMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # mail comes only from the listener and the poller

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
