"""The staff roles exist as groups with exactly the intended permissions (deny by default)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from civicdesk.domain.staff.roles import ROLE_PERMISSIONS, Role
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _permissions(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_every_role_is_a_group_holding_exactly_its_permissions() -> None:
    for role in Role:
        group = Group.objects.get(name=role.label)
        assert _permissions(group) == set(ROLE_PERMISSIONS[role]), role


def test_only_the_customer_care_administrator_changes_services_and_standards() -> None:
    admin = StaffFactory(role=Role.CARE_ADMIN)
    assert admin.has_perm("city.change_service")
    assert admin.has_perm("city.manage_standards")
    assert admin.has_perm("staff.add_user")
    for role in set(Role) - {Role.CARE_ADMIN}:
        member = StaffFactory(role=role)
        assert not member.has_perm("city.change_service"), role
        assert not member.has_perm("city.manage_standards"), role
        assert not member.has_perm("staff.add_user"), role


def test_read_only_manager_can_only_view() -> None:
    manager = StaffFactory(role=Role.MANAGER)
    permissions = manager.get_all_permissions()
    assert permissions
    assert all(p.split(".")[1].startswith("view_") for p in permissions)


def test_staff_without_a_role_can_do_nothing() -> None:
    assert StaffFactory().get_all_permissions() == set()


def test_has_role_and_roles() -> None:
    supervisor = StaffFactory(role=Role.SUPERVISOR)
    assert supervisor.has_role(Role.SUPERVISOR)
    assert not supervisor.has_role(Role.DIRECTOR)
    assert supervisor.roles == [Role.SUPERVISOR]


def test_roles_sync_removes_permissions_granted_by_hand() -> None:
    from django.contrib.auth.models import Permission

    from civicdesk.domain.staff.roles import sync_roles

    group = Group.objects.get(name=Role.CSR.label)
    group.permissions.add(Permission.objects.get(codename="delete_service"))
    sync_roles()
    assert "city.delete_service" not in _permissions(group)


def test_permissions_are_read_in_one_query_and_match_the_roles(django_assert_num_queries) -> None:
    from django.contrib.auth.models import Permission

    from civicdesk.domain.staff.models import User

    supervisor = StaffFactory(role=Role.SUPERVISOR)
    supervisor.user_permissions.add(Permission.objects.get(codename="delete_service"))  # granted by hand
    fresh = User.objects.get(pk=supervisor.pk)  # a new request: nothing cached
    with django_assert_num_queries(1):
        permissions = fresh.get_all_permissions()
        assert fresh.has_perm("city.delete_service")
    assert permissions == set(ROLE_PERMISSIONS[Role.SUPERVISOR]) | {"city.delete_service"}

    inactive = User.objects.get(pk=supervisor.pk)
    inactive.is_active = False
    assert inactive.get_all_permissions() == set()
