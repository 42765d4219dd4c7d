from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from civicdesk.domain.city.admin import JurisdictionScopedAdmin
from civicdesk.domain.staff.models import User


@admin.register(User)
class StaffAdmin(JurisdictionScopedAdmin, DjangoUserAdmin):  # type: ignore[type-arg]
    list_display = ["username", "first_name", "last_name", "email", "department", "is_active"]
    list_filter = ["jurisdiction", "department", "groups", "is_active"]
    list_select_related = ["department"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        ("City", {"fields": ("jurisdiction", "department", "language")}),
    )
