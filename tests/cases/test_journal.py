"""The case journal is append-only and hash-chained; `verify_journal` finds tampering."""

from __future__ import annotations

import itertools

import pytest
from django.core.management import CommandError, call_command

from civicdesk.domain.cases import actions, journal
from civicdesk.domain.cases.models import JournalEntry
from tests.fixtures.city import new_complaint
from tests.fixtures.clock import local

pytestmark = pytest.mark.django_db


def test_every_entry_has_actor_utc_time_and_chains_to_the_previous(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    actions.acknowledge_case(case=case, actor=city.staff("csr.alex"), message="Received.")
    entries = list(case.journal.order_by("sequence"))
    assert [e.sequence for e in entries] == [1, 2, 3]
    assert entries[0].previous_hash == journal.GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.previous_hash == before.hash
    assert all(e.at.utcoffset().total_seconds() == 0 for e in entries)
    assert entries[-1].actor.username == "csr.alex"
    assert journal.verify(case) == []


def test_entries_cannot_be_changed_or_deleted_through_the_model(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    entry = new_complaint(city).journal.first()
    entry.note = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()


def test_verify_journal_reports_an_entry_changed_behind_the_models_back(city, now, capsys) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)
    call_command("verify_journal")
    assert "every chain intact" in capsys.readouterr().out

    JournalEntry.objects.filter(case=case, sequence=1).update(note="nothing to see here")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_journal", case.reference)
    assert "content changed" in capsys.readouterr().err
