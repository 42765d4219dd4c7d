"""Staff absence (PK-OOO, MB-WRITTEN, PB-VM): away for a business day or more, with a return date and an alternate.

A staff member records their own absence; a supervisor or director records one
for staff of their departments, Customer Care for any staff of the city. While
the absence lasts, new assignments and staff messages go to the alternate
(:mod:`civicdesk.domain.staff.absences`); the out-of-office notice gives the
return date and the alternate's contact.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q

from civicdesk.domain.cases import access, clocks
from civicdesk.domain.cases.errors import InvalidInput, NotAllowed, TransitionRefused
from civicdesk.domain.staff.models import Absence, User
from civicdesk.domain.staff.roles import Role
from civicdesk.engines.standards import Measure
from civicdesk.platform import timesource

LONGEST = timedelta(days=366)  # longer leave is a change of staffing, not an out-of-office notice


def may_record_for(actor: User, user: User) -> bool:
    """Staff record their own absences; supervisors and directors their departments' staff; Customer Care anyone's."""
    if actor.pk == user.pk:
        return True
    if not actor.is_active or actor.jurisdiction_id != user.jurisdiction_id:
        return actor.is_superuser
    if actor.is_superuser or actor.has_role(Role.CARE_ADMIN):
        return True
    return user.department_id is not None and user.department_id in access.departments_of(actor)


def threshold_days(user: User) -> int:
    """PK-OOO: how many business days an absence lasts before a notice is owed (the profile's threshold; else 1)."""
    if user.jurisdiction is None:
        return 1
    profile = clocks.profile_for(user.jurisdiction)
    for standard in profile.standards.values():
        if standard.measure is Measure.THRESHOLD and standard.starts == "absence_starts":
            return max(1, int(standard.clock.target))
    return 1


def business_days(user: User, starts: date, returns: date) -> int:
    """The business days in ``[starts, returns)`` on the staff member's city calendar."""
    if user.jurisdiction is None:
        return (returns - starts).days
    calendar = clocks.profile_for(user.jurisdiction).calendar
    return sum(1 for n in range((returns - starts).days) if calendar.is_business_day(starts + timedelta(days=n)))


def record_absence(*, user: User, actor: User, starts: date, returns: date, alternate: User | None) -> Absence:
    """PK-OOO: ``user`` is away from ``starts`` and back on ``returns``; ``alternate`` answers for them meanwhile."""
    if not may_record_for(actor, user):
        raise NotAllowed("you may record absences only for yourself or the staff you supervise", rule="PK-OOO")
    if user.jurisdiction_id is None:
        raise InvalidInput("this account belongs to no city, so it has no absences to record", field="user")
    if returns <= starts:
        raise InvalidInput("the day they are back must come after the first day away", field="returns", rule="PK-OOO")
    if returns - starts > LONGEST:
        raise InvalidInput("an absence is recorded for a year at most", field="returns", rule="PK-OOO")
    zone = user.jurisdiction.zone if user.jurisdiction is not None else None
    today = timesource.now().astimezone(zone).date() if zone is not None else timesource.now().date()
    if returns <= today:
        raise InvalidInput("the day they are back has already come", field="returns", rule="PK-OOO")
    needed = threshold_days(user)
    if business_days(user, starts, returns) < needed:
        raise InvalidInput(
            f"this absence covers less than {needed} business day{'s' if needed != 1 else ''}; "
            "shorter absences need no out-of-office notice",
            field="returns",
            rule="PK-OOO",
        )
    if alternate is None:
        raise InvalidInput("name the alternate who answers while they are away", field="alternate", rule="PK-OOO")
    if alternate.pk == user.pk:
        raise InvalidInput("the alternate must be someone else", field="alternate", rule="PK-OOO")
    if alternate.jurisdiction_id != user.jurisdiction_id or not alternate.is_active:
        raise InvalidInput("the alternate is not active staff of this city", field="alternate", rule="PK-OOO")
    overlapping = Q(ended_at__isnull=True, starts__lt=returns, returns__gt=starts)
    with transaction.atomic():
        # Both people's rows locked, in key order: two absences recorded at once cannot each miss the other.
        list(User.objects.select_for_update().filter(pk__in=[user.pk, alternate.pk]).order_by("pk"))
        own = Absence.objects.filter(overlapping, user=user).order_by("starts").first()
        if own is not None:
            raise TransitionRefused(
                f"{user.display_name} is already recorded away from {own.starts.isoformat()}, back on "
                f"{own.returns.isoformat()}; end that absence first",
                field="starts",
                rule="PK-OOO",
                code="overlap",
            )
        theirs = Absence.objects.filter(overlapping, user=alternate).order_by("starts").first()
        if theirs is not None:
            raise InvalidInput(
                f"{alternate.display_name} is away themselves from {theirs.starts.isoformat()}, back on "
                f"{theirs.returns.isoformat()}; choose another alternate",
                field="alternate",
                rule="PK-OOO",
            )
        return Absence.objects.create(
            jurisdiction_id=user.jurisdiction_id,
            user=user,
            starts=starts,
            returns=returns,
            alternate=alternate,
            recorded_by=actor,
            recorded_at=timesource.now(),
        )


def end_absence(*, absence: Absence, actor: User) -> Absence:
    """The staff member is back (or the absence is withdrawn): their work comes to them again from now."""
    if not may_record_for(actor, absence.user):
        raise NotAllowed("you may end absences only for yourself or the staff you supervise", rule="PK-OOO")
    with transaction.atomic():
        row = Absence.objects.select_for_update().get(pk=absence.pk)
        if row.ended_at is not None:
            raise TransitionRefused("this absence was already ended", code="no_change", rule="PK-OOO")
        row.ended_at = timesource.now()
        row.save(update_fields=["ended_at"])
        return row
