"""Periodic jobs the worker runs (listed in :data:`civicdesk.platform.worker.loop.PERIODIC_JOBS`)."""

from __future__ import annotations

from django.core.management import call_command
from django.db import connection


def prune_finished_tasks() -> None:
    """Delete background-task results finished more than two weeks ago (failed ones after 30 days)."""
    call_command("prune_db_task_results", queue_name="*", min_age_days=14, failed_min_age_days=30, verbosity=0)


def refresh_query_statistics() -> None:
    """ANALYZE the database, so its planner picks the right index as tables grow.

    PostgreSQL's autovacuum does this too; SQLite never does it by itself, and
    without statistics it can prefer the sweep's (state, due_at) index for a
    lookup of a few hundred rows by primary key, scanning every pending clock.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
