"""A city's calendar changes through one action: its profile is saved and every running clock follows, journaled."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest

from civicdesk.domain.cases import actions, clocks, journal
from civicdesk.domain.cases.errors import InvalidInput, NotAllowed
from civicdesk.domain.cases.models import Action, CommitmentState, JournalEntry, Purpose
from civicdesk.domain.city.models import Jurisdiction
from civicdesk.domain.staff.roles import Role
from tests.factories import StaffFactory
from tests.fixtures.city import City, new_complaint
from tests.fixtures.clock import local

pytestmark = pytest.mark.django_db


def _profile_closing_city_hall_on_3_november(city: City, tmp_path: Path) -> Path:
    """Pickering's profile with one more closure, under the same calendar version string."""
    shipped = clocks.profile_for(city.jurisdiction).path
    assert shipped is not None
    changed = tmp_path / "pickering-closure.toml"
    changed.write_text(
        shipped.read_text() + '\n[[calendar.closures]]\nname = "Water main repair at City Hall"\ndate = 2026-11-03\n'
    )
    return changed


def test_changing_the_profile_recomputes_running_clocks_and_journals_each_moved_case(city, now, tmp_path) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    closed = new_complaint(city)
    actions.acknowledge_case(case=closed, actor=city.staff("csr.alex"), message="Pruning this week.")
    actions.close_case(case=closed, actor=city.staff("staff.forestry"), note="Pruned.")
    profile = _profile_closing_city_hall_on_3_november(city, tmp_path)

    moved = actions.change_calendar(
        jurisdiction=city.jurisdiction, profile=str(profile), actor=city.staff("care.admin")
    )

    assert moved == 1  # the acknowledgement; the follow-up on 16 November is a calendar date the closure leaves
    assert Jurisdiction.objects.get(pk=city.jurisdiction.pk).profile == str(profile)
    acknowledge = case.commitments.get(purpose=Purpose.ACKNOWLEDGE)
    assert acknowledge.due_at == local(2026, 11, 4, 16, 30)
    assert case.commitments.get(purpose=Purpose.FOLLOW_UP).due_at == local(2026, 11, 16, 10, 0)
    entry = case.journal.get(action=Action.RECOMPUTED)
    assert entry.actor == city.staff("care.admin")
    assert entry.data["moved"] == [
        {
            "standard": "PK-ACK-1BD",
            "from": local(2026, 11, 3, 16, 30).astimezone(UTC).isoformat(),
            "to": local(2026, 11, 4, 16, 30).astimezone(UTC).isoformat(),
        }
    ]
    case.refresh_from_db()
    assert case.next_due_at == local(2026, 11, 4, 16, 30)  # the queues see the new date at once
    assert not journal.verify(case)
    assert not closed.journal.filter(action=Action.RECOMPUTED).exists()  # nothing is owed on a closed case


def test_changing_to_the_same_calendar_moves_nothing_and_journals_nothing(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    assert actions.change_calendar(jurisdiction=city.jurisdiction, profile="pickering", actor=None) == 0
    assert not JournalEntry.objects.filter(case=case, action=Action.RECOMPUTED).exists()


def test_paused_clocks_are_recomputed_with_their_pauses(city, now, tmp_path) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    actions.pause_clocks(
        case=case, actor=city.staff("staff.forestry"), waiting_on="resident", reason="Waiting for photos"
    )
    actions.change_calendar(
        jurisdiction=city.jurisdiction,
        profile=str(_profile_closing_city_hall_on_3_november(city, tmp_path)),
        actor=city.staff("care.admin"),
    )
    acknowledge = case.commitments.get(purpose=Purpose.ACKNOWLEDGE)
    assert acknowledge.state == CommitmentState.PAUSED
    assert acknowledge.due_at == local(2026, 11, 4, 16, 30)


def test_a_profile_that_does_not_load_is_refused_and_nothing_changes(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    with pytest.raises(InvalidInput) as refused:
        actions.change_calendar(jurisdiction=city.jurisdiction, profile="atlantis", actor=city.staff("care.admin"))
    assert refused.value.field == "profile"
    assert Jurisdiction.objects.get(pk=city.jurisdiction.pk).profile == "pickering"
    assert not case.journal.filter(action=Action.RECOMPUTED).exists()


def test_only_the_citys_customer_care_administrator_changes_its_calendar(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    with pytest.raises(NotAllowed):
        actions.change_calendar(jurisdiction=city.jurisdiction, profile="lawrence", actor=city.staff("csr.alex"))
    other_citys_admin = StaffFactory(role=Role.CARE_ADMIN)
    with pytest.raises(NotAllowed):
        actions.change_calendar(jurisdiction=city.jurisdiction, profile="lawrence", actor=other_citys_admin)
    assert Jurisdiction.objects.get(pk=city.jurisdiction.pk).profile == "pickering"


def test_pk_follow_a_recompute_keeps_the_agreed_follow_up_date_and_the_paused_notice(city, now, tmp_path) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    forestry = city.staff("staff.forestry")
    actions.record_update(
        case=case, actor=forestry, update="action_planned", note="Booked", timeline=local(2026, 11, 27, 16, 30)
    )
    actions.pause_clocks(case=case, actor=forestry, waiting_on="access", reason="Gate locked")
    now.set(local(2026, 11, 3, 10, 0))
    actions.resume_clocks(case=case, actor=forestry)  # the PK-MISS notice now carries a pause
    actions.change_calendar(
        jurisdiction=city.jurisdiction,
        profile=str(_profile_closing_city_hall_on_3_november(city, tmp_path)),
        actor=city.staff("care.admin"),
    )
    follow_up = case.commitments.get(purpose=Purpose.FOLLOW_UP, state=CommitmentState.PENDING)
    assert follow_up.due_at == local(2026, 11, 27, 16, 30)  # the agreed date, not two weeks after it
    notice = case.commitments.get(purpose=Purpose.TIMELINE_NOTICE, state=CommitmentState.PENDING)
    assert notice.due_at == local(2026, 11, 20, 16, 30)
