"""Who is away now and who answers for them (PK-OOO, MB-WRITTEN, PB-VM).

An absence runs over local dates in the staff member's city: from its first
day away up to (not including) the day they are back. The cases' notifications
and assignments ask :func:`away_at` once per transaction and send each person's
work to their alternate while the absence covers the day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from civicdesk.domain.staff.models import Absence, User


def away_at(at: datetime, users: Iterable[int] | None = None) -> dict[int, Absence]:
    """The absences covering ``at`` (each in its staff member's city's local date), by the absent staff member's id.

    One query; ``users`` limits it to those staff members.
    """
    day = at.date()
    rows = Absence.objects.filter(
        ended_at__isnull=True, starts__lte=day + timedelta(days=1), returns__gt=day - timedelta(days=1)
    ).select_related("user__jurisdiction", "alternate")
    if users is not None:
        rows = rows.filter(user_id__in=list(users))
    found: dict[int, Absence] = {}
    for absence in rows.order_by("starts", "pk"):
        jurisdiction = absence.user.jurisdiction
        local = at.astimezone(jurisdiction.zone).date() if jurisdiction is not None else day
        if absence.covers(local):
            found.setdefault(absence.user_id, absence)
    return found


def stand_in(user: User, away: dict[int, Absence]) -> tuple[User, Absence | None]:
    """``user``, or their alternate (and ``user``'s absence) while ``away`` says they are away.

    An alternate who is away too passes the work on to their own alternate, never round in a circle.
    """
    absence = away.get(user.pk)
    if absence is None:
        return user, None
    person, seen = absence.alternate, {user.pk}
    while person.pk in away and person.pk not in seen and away[person.pk].alternate_id not in seen:
        seen.add(person.pk)
        person = away[person.pk].alternate
    return person, absence


def current(user: User, at: datetime) -> Absence | None:
    """``user``'s absence covering ``at``, if any."""
    return away_at(at, [user.pk]).get(user.pk)
