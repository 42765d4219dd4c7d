"""A database made before the rings layout still migrates, and keeps every case and journal entry.

``data/main-12ae856.sql`` is a SQLite dump made by main at commit 12ae856
(apps at ``civicdesk.cases``, ``civicdesk.city``…): the demo city and five cases
taken through intake, acknowledgement, the sweep's follow-up requests and
breaches, an action plan, a pause, a duplicate and a closing. Apps moved into
``engines``/``domain``/``channels``/``platform`` keep their labels, so their
migrations and rows carry over.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from tests.fixtures.processes import run_civicdesk

DUMP = Path(__file__).parent / "data" / "main-12ae856.sql"


def _counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as db:
        return {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 — fixed table names
            for table in ("cases_case", "cases_journalentry", "cases_commitment", "cases_followuprequest")
        }


def test_a_database_made_by_earlier_main_migrates_with_every_case_and_journal_entry(tmp_path: Path) -> None:
    database = tmp_path / "earlier.sqlite3"
    with sqlite3.connect(database) as db:
        db.executescript(DUMP.read_text())
    before = _counts(database)
    assert before["cases_case"] == 5
    assert before["cases_journalentry"] > 40

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "CIVICDESK_DATA_DIR": str(tmp_path / "data")}
    migrated = run_civicdesk("manage", "migrate", "--no-input", env=env, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    assert _counts(database) == before

    verified = run_civicdesk("manage", "verify_journal", env=env)
    assert verified.returncode == 0, verified.stderr
    assert "5 case journal(s) verified: every chain intact" in verified.stdout

    # The moved apps read the old rows.
    shown = run_civicdesk("manage", "shell", "-c", SHOW_CASES, env=env)
    assert shown.returncode == 0, shown.stderr
    statuses = [line.removeprefix("status ") for line in shown.stdout.splitlines() if line.startswith("status ")]
    assert statuses == ["open", "open", "open", "closed", "closed"]


SHOW_CASES = """
from civicdesk.domain.cases.models import Case
for case in Case.objects.order_by("pk"):
    print("status", case.status)
"""
