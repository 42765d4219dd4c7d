from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from civicdesk.channels.api.models import ApiToken
from civicdesk.channels.api.tokens import revoke
from civicdesk.domain.city.admin import JurisdictionScopedAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(JurisdictionScopedAdmin):
    """Tokens are issued by ``civicdesk manage create_api_token`` (shown once); here they are listed and revoked."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at", "jurisdiction"]
    list_select_related = ["user"]
    search_fields = ["prefix", "name", "user__username"]
    readonly_fields = ["prefix", "user", "jurisdiction", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", "prefix", "user", "jurisdiction", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke_tokens"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False  # revoke instead: the row is the record that the token existed

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = revoke(queryset)
        self.message_user(request, f"{count} token(s) revoked.", messages.SUCCESS)
