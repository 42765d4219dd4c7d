"""An anchored journal: checkpoints outside the database catch truncation, deletion and a recomputed chain,
and `verify_journal` checks each case row against its journal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from civicdesk.domain.cases import actions, journal
from civicdesk.domain.cases.models import Case, JournalEntry
from tests.fixtures.city import new_complaint
from tests.fixtures.clock import local

pytestmark = pytest.mark.django_db

KEY = "q8Zr2LmX0vT5sW9yB3nC7kD1fG4hJ6pA"


@pytest.fixture
def case(city, now, settings) -> Case:
    settings.JOURNAL_CHECKPOINT_KEY = KEY
    now.set(local(2026, 11, 2, 10, 0))
    made = new_complaint(city)
    actions.acknowledge_case(case=made, actor=city.staff("csr.alex"), message="Received; crew booked.")
    return made


def _sql(statement: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def _table() -> str:
    return connection.ops.quote_name(JournalEntry._meta.db_table)


def _verify(capsys) -> str:
    with pytest.raises(CommandError, match="problem"):
        call_command("verify_journal")
    return str(capsys.readouterr().err)


def test_an_untouched_journal_passes_with_its_checkpoint(case, capsys) -> None:
    call_command("verify_journal", "--checkpoint")
    out = capsys.readouterr().out
    assert "checkpoint: " in out
    assert "every chain intact" in out


def test_deleting_the_last_entry_is_caught_by_the_checkpoint(case, capsys) -> None:
    call_command("verify_journal", "--checkpoint")
    last = case.journal.order_by("-sequence").first()
    _sql(f"DELETE FROM {_table()} WHERE id = %s", last.pk)  # noqa: S608 — the table name from the model

    err = _verify(capsys)
    assert f"case {case.reference}: journal was cut" in err


def test_deleting_a_whole_journal_is_caught(case, capsys) -> None:
    call_command("verify_journal", "--checkpoint")
    reference = case.reference
    _sql(f"DELETE FROM {_table()} WHERE case_id = %s", case.pk)  # noqa: S608
    err = _verify(capsys)
    assert f"case {reference}: has no journal" in err
    assert f"case {reference}: journal was cut" in err


def test_editing_and_recomputing_the_chain_is_caught(case, capsys) -> None:
    call_command("verify_journal", "--checkpoint")
    entries = list(case.journal.order_by("sequence"))
    previous = journal.GENESIS
    for entry in entries:
        entry.note = "nothing happened" if entry.sequence == 2 else entry.note
        entry.previous_hash = previous
        entry.hash = journal.entry_hash(entry, case.reference)
        _sql(
            f"UPDATE {_table()} SET note = %s, previous_hash = %s, hash = %s WHERE id = %s",  # noqa: S608
            entry.note,
            entry.previous_hash,
            entry.hash,
            entry.pk,
        )
        previous = entry.hash
    assert journal.verify(case) == []  # the chain alone looks intact

    err = _verify(capsys)
    assert "the chain was rewritten" in err


def test_a_removed_or_rewritten_checkpoint_line_is_caught(case, city, now, capsys, journal_checkpoint_file) -> None:
    call_command("verify_journal", "--checkpoint")
    actions.acknowledge_case(case=new_complaint(city), actor=city.staff("csr.alex"), message="Received.")
    call_command("verify_journal", "--checkpoint")
    capsys.readouterr()
    path = Path(journal_checkpoint_file)
    first, second = path.read_text().splitlines()

    path.write_text(second + "\n")
    assert "a line was removed or changed" in _verify(capsys)

    forged = json.loads(first)
    forged["cases"] = {}
    path.write_text(json.dumps(forged) + "\n" + second + "\n")
    assert "signature does not match" in _verify(capsys)


def test_a_case_row_that_disagrees_with_its_journal_is_reported(case, capsys) -> None:
    Case.objects.filter(pk=case.pk).update(status="closed")
    err = _verify(capsys)
    assert f"case {case.reference}: status is 'closed' but its journal says 'open'" in err


def test_the_worker_writes_a_checkpoint_every_ten_minutes() -> None:
    from datetime import timedelta

    from civicdesk.platform.worker.loop import PERIODIC_JOBS

    (job,) = [job for job in PERIODIC_JOBS if job.name == "journal checkpoint"]
    assert job.every == timedelta(minutes=10)
    assert job.function == "civicdesk.domain.cases.journal_checks.write_checkpoint"
