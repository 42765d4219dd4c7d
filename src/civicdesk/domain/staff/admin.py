"""Staff accounts in /admin/: who works here, in which department, in which roles.

Only the platform's superuser sets the superuser flag or individual
permissions. Everyone else with the right to change staff (the Customer Care
administrator) sees only a "Roles" choice limited to the roles
``roles.GRANTABLE_ROLES`` lets them give, and only colleagues whose every
role they could have given: an administrator cannot take over an account
that holds more than they may grant (by resetting its password, say).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicdesk.domain.city.admin import JurisdictionScopedAdmin
from civicdesk.domain.staff.models import User
from civicdesk.domain.staff.roles import Role, grantable_by

# The fields only a superuser may edit; everything else in Django's user admin stays.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "user_permissions")


def _grantable_groups(user: Any) -> QuerySet[Group]:
    return Group.objects.filter(name__in=[role.label for role in grantable_by(user)])


@admin.register(User)
class StaffAdmin(JurisdictionScopedAdmin, DjangoUserAdmin):  # type: ignore[type-arg]
    list_display = ["username", "first_name", "last_name", "email", "department", "is_active"]
    list_filter = ["jurisdiction", "department", "groups", "is_active"]
    list_select_related = ["department"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        ("City", {"fields": ("jurisdiction", "department", "language")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if getattr(request.user, "is_superuser", False):
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in SUPERUSER_ONLY_FIELDS]})
            for name, options in fieldsets
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        user: Any = request.user
        if user.is_superuser:
            return queryset
        beyond = Group.objects.exclude(name__in=[role.label for role in grantable_by(user)])
        # Never a superuser, nor anyone holding a role (or any other group) this administrator may not grant.
        return queryset.exclude(Q(is_superuser=True) | Q(groups__in=beyond) | Q(user_permissions__isnull=False))

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "groups" and not getattr(request.user, "is_superuser", False):
            kwargs["queryset"] = _grantable_groups(request.user)
            field = super().formfield_for_manytomany(db_field, request, **kwargs)
            if field is not None:
                field.label = _("Roles")
                field.help_text = _("The roles you may give: %(roles)s.") % {
                    "roles": ", ".join(str(role.label) for role in Role if role in grantable_by(request.user))
                }
            return field
        return super().formfield_for_manytomany(db_field, request, **kwargs)
