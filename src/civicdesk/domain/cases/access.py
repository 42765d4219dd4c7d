"""Who may do what to which case: role permissions plus department scope (deny by default).

Views and APIs never read cases with ``Case.objects.get``; they use
:func:`cases_visible_to` and :func:`get_case_for` so scope is applied everywhere.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from civicdesk.domain.cases.errors import NotAllowed
from civicdesk.domain.cases.models import Case
from civicdesk.domain.city.models import Department, Division
from civicdesk.domain.staff.models import User


def cases_visible_to(user: User) -> QuerySet[Case]:
    """The cases ``user`` may read: their jurisdiction, and their department unless they see every department."""
    if not user.is_active or not user.has_perm("cases.view_case"):
        return Case.objects.none()
    cases = Case.objects.all()
    if not user.is_superuser:
        if user.jurisdiction_id is None:
            return Case.objects.none()
        cases = cases.filter(jurisdiction_id=user.jurisdiction_id)
    if not user.has_perm("cases.view_all_departments"):
        departments = departments_of(user)
        # Customer Care's own supervisors and directors follow up every department's cases (PK-FOLLOW).
        if not Department.objects.filter(pk__in=departments, customer_care=True).exists():
            cases = cases.filter(Q(department_id__in=departments) | Q(assignee=user))
    return cases


def departments_of(user: User) -> set[int]:
    """The departments whose cases a department role works: their own, those they direct, those of divisions they head."""
    ids = {user.department_id} if user.department_id else set()
    ids.update(Department.objects.filter(director=user).values_list("pk", flat=True))
    ids.update(Division.objects.filter(supervisor=user).values_list("department_id", flat=True))
    return ids


def get_case_for(user: User, reference: str) -> Case:
    """The case with ``reference`` if ``user`` may see it; otherwise :class:`Case.DoesNotExist` (no existence leak)."""
    return cases_visible_to(user).get(reference=reference)


def may_see_contact(user: User | None) -> bool:
    """PK-PRIV: complainant identity only for roles that need it to investigate."""
    return user is not None and user.has_perm("cases.view_contact")


def require(actor: User | None, permission: str, case: Case | None = None, *, rule: str | None = None) -> None:
    """Refuse unless ``actor`` holds ``permission`` and ``case`` is in their scope. ``None`` is the system."""
    if actor is None:
        return
    if not actor.has_perm(permission):
        raise NotAllowed(f"your role does not allow this ({permission.split('.')[-1].replace('_', ' ')})", rule=rule)
    if case is not None and not cases_visible_to(actor).filter(pk=case.pk).exists():
        raise NotAllowed("this case belongs to another department", rule=rule)
