"""/admin/ lets the Customer Care administrator give only the roles staff/roles.py lets that role give.

The superuser flag and individual permissions are the platform operator's;
an administrator cannot open (and so cannot reset the password of) an account
holding more than they may grant.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from civicdesk.domain.staff.models import User
from civicdesk.domain.staff.roles import Role

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _change_url(user: User) -> str:
    return f"/admin/staff/user/{user.pk}/change/"


def _form(user: User, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "jurisdiction": user.jurisdiction_id or "",
        "department": user.department_id or "",
        "language": user.language,
        "groups": [g.pk for g in user.groups.all()],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _group(role: Role) -> Group:
    return Group.objects.get(name=role.label)


def _offers(page: str, role: Role) -> bool:
    return re.search(rf'<option value="{_group(role).pk}"( selected)?>{role.label}</option>', page) is not None


def test_care_admin_sees_no_superuser_flag_permissions_or_ungrantable_roles(city: Any) -> None:
    page = _client(city.staff("care.admin")).get(_change_url(city.staff("csr.alex"))).content.decode()

    assert 'name="is_superuser"' not in page
    assert 'name="user_permissions"' not in page
    assert _offers(page, Role.SUPERVISOR)
    assert not _offers(page, Role.CARE_ADMIN)


def test_care_admin_posting_superuser_and_a_higher_role_changes_nothing_of_the_kind(city: Any) -> None:
    csr = city.staff("csr.alex")
    permission = Permission.objects.get(codename="change_user")
    response = _client(city.staff("care.admin")).post(
        _change_url(csr),
        _form(csr, is_superuser="on", user_permissions=[permission.pk], groups=[_group(Role.CARE_ADMIN).pk]),
    )

    assert response.status_code == 200  # the form comes back with an error on the roles
    assert "Select a valid choice" in response.content.decode()
    csr.refresh_from_db()
    assert not csr.is_superuser
    assert not csr.user_permissions.exists()
    assert not csr.groups.filter(name=Role.CARE_ADMIN.label).exists()


def test_care_admin_may_give_a_grantable_role_but_never_the_superuser_flag(city: Any) -> None:
    csr = city.staff("csr.alex")
    response = _client(city.staff("care.admin")).post(
        _change_url(csr), _form(csr, is_superuser="on", groups=[_group(Role.SUPERVISOR).pk])
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    csr.refresh_from_db()
    assert not csr.is_superuser
    assert list(csr.groups.values_list("name", flat=True)) == [Role.SUPERVISOR.label]


def test_care_admin_cannot_open_a_superuser_or_another_administrator(city: Any) -> None:
    root = User.objects.create_superuser(username="root", password="x" * 20, email="root@example.org")
    client = _client(city.staff("care.admin"))
    other = User.objects.create_user(username="care.two", jurisdiction=city.jurisdiction, is_staff=True)
    other.groups.add(_group(Role.CARE_ADMIN))

    for target in (root, other):
        assert client.get(_change_url(target)).status_code in (302, 404)
        assert client.get(f"/admin/staff/user/{target.pk}/password/").status_code in (302, 404)
        assert client.post(f"/admin/staff/user/{target.pk}/password/", {"password1": "p" * 20, "password2": "p" * 20})
        target.refresh_from_db()
        assert not target.check_password("p" * 20)


def test_the_superuser_still_manages_every_field(city: Any) -> None:
    root = User.objects.create_superuser(username="root", password="x" * 20, email="root@example.org")
    page = _client(root).get(_change_url(city.staff("care.admin"))).content.decode()
    assert 'name="is_superuser"' in page
    assert 'name="user_permissions"' in page
    assert _offers(page, Role.CARE_ADMIN)
