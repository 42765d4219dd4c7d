"""The staff roles of DESIGN.md ("Users") as Django groups with their permissions.

The table below is the single statement of who may do what; ``sync_roles``
makes the groups match it after every ``migrate``. Deny by default: a
permission not listed for a role is removed from its group. Domain apps add
their permissions here as they land (cases, correspondence, reports…).
"""

from __future__ import annotations

from typing import Any

from django.db import models


class Role(models.TextChoices):
    CSR = "csr", "Customer service representative"
    DEPARTMENT_STAFF = "department_staff", "Department staff"
    SUPERVISOR = "supervisor", "Supervisor / division head"
    DIRECTOR = "director", "Director"
    CARE_ADMIN = "care_admin", "Customer Care administrator"
    SERVICE_SHOPPER = "service_shopper", "Service shopper"
    MANAGER = "manager", "Manager (read-only)"


_VIEW_CITY = ["city.view_jurisdiction", "city.view_department", "city.view_division", "city.view_service"]
_VIEW_STAFF = ["staff.view_user"]
# Customer Care sees every department's cases; department roles only their own (civicdesk.domain.cases.access).
_CASE_DESK = [
    "cases.view_case",
    "cases.add_case",
    "cases.view_contact",  # PK-PRIV: needed to call the resident back
    "cases.view_all_departments",
    "cases.route_case",
    "cases.assign_case",
    "cases.acknowledge_case",
    "cases.request_follow_up",
    "cases.close_case",
    "cases.attach_file",  # a letter's scan, a photo brought to the counter
]
_DEPARTMENT_WORK = [
    "cases.view_case",
    "cases.add_case",  # field staff report what they find
    "cases.view_contact",  # PK-PRIV: disclosed as needed to investigate
    "cases.assign_case",
    "cases.acknowledge_case",
    "cases.record_update",
    "cases.change_timeline",
    "cases.close_case",
    "cases.attach_file",  # inspection photos, plans, the contractor's report
]

# LW-CORR: a second person approves the messages the city reviews before release (their department's, or any).
_APPROVE = "outbox.approve_outboxmessage"

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.CSR: _VIEW_CITY + _CASE_DESK,
    Role.DEPARTMENT_STAFF: _VIEW_CITY + _DEPARTMENT_WORK,
    Role.SUPERVISOR: _VIEW_CITY + _VIEW_STAFF + _DEPARTMENT_WORK + ["cases.route_case", _APPROVE],
    Role.DIRECTOR: _VIEW_CITY + _VIEW_STAFF + _DEPARTMENT_WORK + ["cases.route_case", _APPROVE],
    Role.CARE_ADMIN: [
        *_VIEW_CITY,
        *_CASE_DESK,
        "cases.record_update",
        "cases.change_timeline",
        "cases.close_council_case",
        "api.view_apitoken",  # list and revoke staff API tokens
        "api.change_apitoken",
        "open311.view_apikey",  # list and revoke Open311 client keys (issued from the shell)
        "open311.change_apikey",
        "open311.view_serviceattribute",  # the questions each service asks Open311 clients
        "open311.add_serviceattribute",
        "open311.change_serviceattribute",
        "open311.delete_serviceattribute",
        "open311.view_attributevalue",
        "open311.add_attributevalue",
        "open311.change_attributevalue",
        "open311.delete_attributevalue",
        "city.change_jurisdiction",
        "city.manage_standards",
        "city.add_department",
        "city.change_department",
        "city.add_division",
        "city.change_division",
        "city.add_service",
        "city.change_service",
        "staff.view_user",
        "staff.add_user",
        "staff.change_user",
        "auth.view_group",
        _APPROVE,
        "outbox.view_outboxmessage",  # what was sent, what waits, what failed and why
        "outbox.view_deliveryattempt",
        "outbox.view_messagetemplate",  # the city's wording of every message, per language (with a preview)
        "outbox.add_messagetemplate",
        "outbox.change_messagetemplate",
        "outbox.delete_messagetemplate",
        "inbox.view_inboundmessage",  # mail received and what became of it
        "inbox.view_inboundattachment",
    ],
    Role.SERVICE_SHOPPER: ["city.view_jurisdiction", "city.view_department", "city.view_service"],
    # Read-only: every case, never who raised it (PK-PRIV).
    Role.MANAGER: _VIEW_CITY + _VIEW_STAFF + ["cases.view_case", "cases.view_all_departments"],
}


# Which roles each role may give a colleague in /admin/ (the platform's superuser may give any).
# The Customer Care administrator staffs the desk and the departments; appointing another
# administrator, or a superuser, is the platform operator's decision.
GRANTABLE_ROLES: dict[Role, tuple[Role, ...]] = {
    Role.CARE_ADMIN: (
        Role.CSR,
        Role.DEPARTMENT_STAFF,
        Role.SUPERVISOR,
        Role.DIRECTOR,
        Role.SERVICE_SHOPPER,
        Role.MANAGER,
    ),
}


def roles_of(user: Any) -> set[Role]:
    """The roles ``user`` holds, read from their groups."""
    by_label = {role.label: role for role in Role}
    return {by_label[name] for name in user.groups.values_list("name", flat=True) if name in by_label}


def grantable_by(user: Any) -> set[Role]:
    """The roles ``user`` may give others: every role for a superuser, else the union over the roles they hold."""
    if user.is_superuser:
        return set(Role)
    return {granted for role in roles_of(user) for granted in GRANTABLE_ROLES.get(role, ())}


def sync_roles() -> None:
    """Create one group per role holding exactly the permissions in ``ROLE_PERMISSIONS``."""
    from django.contrib.auth.models import Group, Permission

    for role, wanted in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.label)
        permissions = []
        for dotted in wanted:
            app_label, codename = dotted.split(".", 1)
            permissions.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(permissions)


def sync_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    """Run once per ``migrate``, after the last app's permissions have been created."""
    from django.apps import apps

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is with_models[-1]:
        sync_roles()
