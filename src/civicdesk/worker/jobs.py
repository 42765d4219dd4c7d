"""Periodic jobs the worker runs (listed in :data:`civicdesk.worker.loop.PERIODIC_JOBS`)."""

from __future__ import annotations

from django.core.management import call_command


def prune_finished_tasks() -> None:
    """Delete background-task results finished more than two weeks ago (failed ones after 30 days)."""
    call_command("prune_db_task_results", queue_name="*", min_age_days=14, failed_min_age_days=30, verbosity=0)
