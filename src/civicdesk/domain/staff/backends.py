"""Sign-in and permission checks for staff: Django's model backend, reading permissions in one query.

Every API call and desk page checks permissions; Django's ``ModelBackend``
reads a user's own permissions and their roles' (groups') permissions with
two queries per request. The answers are the same here, from one query.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, Permission
from django.db.models import Q

from civicdesk.domain.staff.models import User

PERMISSION_CACHE = "_perm_cache"  # where ModelBackend keeps a user's permissions for the rest of the request


class StaffBackend(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if obj is not None or isinstance(user_obj, AnonymousUser) or not user_obj.is_active:
            return set()
        cached: set[str] | None = getattr(user_obj, PERMISSION_CACHE, None)
        if cached is None:
            cached = _permissions_of(user_obj)
            setattr(user_obj, PERMISSION_CACHE, cached)
        return cached


def _permissions_of(user: User) -> set[str]:
    permissions = Permission.objects.all()
    if not user.is_superuser:
        permissions = permissions.filter(Q(user=user) | Q(group__user=user))
    return {f"{app}.{codename}" for app, codename in permissions.values_list("content_type__app_label", "codename")}
