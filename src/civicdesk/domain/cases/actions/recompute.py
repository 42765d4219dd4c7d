"""Due dates after the city's calendar changes: a closure added, a holiday kept or dropped, another profile.

Running clocks are recomputed case by case, each in its own transaction
with the case locked, and every case whose dates moved says so in its
journal (old and new date of each standard). Agreed dates (a department's
timeline, the ladder's requests) are not the calendar's to move.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError

from civicdesk.domain.cases import clocks, journal
from civicdesk.domain.cases.access import require
from civicdesk.domain.cases.errors import InvalidInput, NotAllowed
from civicdesk.domain.cases.models import Action, Case, Commitment, CommitmentState, Status
from civicdesk.domain.cases.unit_of_work import UnitOfWork
from civicdesk.domain.city import profiles
from civicdesk.domain.city.models import Jurisdiction, validate_profile_name
from civicdesk.domain.staff.models import User
from civicdesk.engines.standards import Profile

RUNNING = (CommitmentState.PENDING, CommitmentState.PAUSED)


def recompute_due_dates(*, jurisdiction: Jurisdiction, actor: User | None) -> int:
    """After a calendar change (a new closure, a holiday kept or dropped): recompute running clocks, journaled.

    Each case's recomputation is its own transaction with the case locked;
    returns how many commitments moved.
    """
    require(actor, "city.manage_standards")
    profiles.profile_named.cache_clear()  # read the profile as it is now
    profile = clocks.profile_for(jurisdiction)
    version = profile.calendar.version
    # The running clocks themselves, filtered together: excluding cases by "any commitment on this
    # version" would skip a case whose newer clock started on the new calendar beside an older stale one.
    stale = (
        Commitment.objects.filter(case__jurisdiction=jurisdiction, case__status=Status.OPEN, state__in=RUNNING)
        .exclude(calendar_version=version)
        .values_list("case_id", flat=True)
        .order_by("case_id")
        .distinct()
    )
    return _recompute(list(stale), profile, actor, lambda c: c.calendar_version != version)


def change_calendar(*, jurisdiction: Jurisdiction, profile: str, actor: User | None) -> int:
    """The city's standards profile becomes ``profile``; every running clock is recomputed with it, journaled.

    The one way to change a city's calendar, so due dates never disagree with
    it. ``profile`` is a shipped profile name or the path of the city's own
    profile file, and must load. The new profile is saved first; if the
    recompute is interrupted, :func:`recompute_due_dates` finishes it.
    Returns how many commitments moved.
    """
    require(actor, "city.manage_standards")
    if actor is not None and not actor.is_superuser and actor.jurisdiction_id != jurisdiction.pk:
        raise NotAllowed("you manage another city's standards")
    try:
        validate_profile_name(profile)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), field="profile") from None
    jurisdiction.profile = profile
    jurisdiction.save(update_fields=["profile"])
    profiles.profile_named.cache_clear()  # the file behind a name may have changed too
    running = (
        Case.objects.filter(jurisdiction=jurisdiction, status=Status.OPEN, commitments__state__in=RUNNING)
        .values_list("pk", flat=True)
        .distinct()
    )
    # Versions alone cannot tell two profiles' calendars apart, so every running clock is recomputed.
    return _recompute(list(running), clocks.profile_for(jurisdiction), actor, lambda c: True)


def _recompute(
    case_ids: Iterable[int], profile: Profile, actor: User | None, recomputes: Callable[[Commitment], bool]
) -> int:
    moved = 0
    for pk in case_ids:
        with UnitOfWork.atomic() as work:
            locked = work.lock([pk])
            if not locked:
                continue  # gone since the query: nothing to move
            case = locked[0]
            running = [c for c in work.open_commitments(case) if c.state in RUNNING and recomputes(c)]
            changed = clocks.recompute(work=work, commitments=running, profile=profile)
            if changed:
                moved += len(changed)
                journal.append(
                    work=work,
                    case=case,
                    action=Action.RECOMPUTED,
                    actor=actor,
                    data={
                        "calendar_version": profile.calendar.version,
                        "moved": [
                            {"standard": c.standard, "from": old.isoformat(), "to": c.due_at.isoformat()}
                            for c, old in changed
                        ],
                    },
                )
    return moved
