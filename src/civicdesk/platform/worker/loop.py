"""The `civicdesk worker` process: background tasks, periodic sweeps and a heartbeat.

One loop, three duties, in this order on every turn:

1. refresh this worker's heartbeat row (``/healthz`` reads it);
2. run each periodic job whose interval has passed (the case sweep lands here);
3. drain the django-tasks database queue.

SIGTERM or SIGINT asks the loop to stop: a running task or job finishes, the
heartbeat row is removed, and the process exits 0. A second signal exits at once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType

from django.db import DatabaseError, close_old_connections, connections
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Worker as TaskQueueWorker

from civicdesk.platform import timesource
from civicdesk.platform.worker.models import WorkerHeartbeat

logger = logging.getLogger("civicdesk.platform.worker")

# The longest wait between attempts while the database is failing.
MAX_BACKOFF_SECONDS = 60.0


@dataclass(frozen=True)
class PeriodicJob:
    """A job the worker runs every ``every``; ``function`` is a dotted path to a no-argument callable.

    Jobs must be safe to run on several workers at once (claim rows with a
    compare-and-set), because every worker process runs every job.
    """

    name: str
    every: timedelta
    function: str


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("query statistics", timedelta(hours=6), "civicdesk.platform.worker.jobs.refresh_query_statistics"),
    PeriodicJob("case sweep", timedelta(seconds=30), "civicdesk.domain.cases.sweep.run_sweep"),
    PeriodicJob("outbox delivery", timedelta(seconds=10), "civicdesk.domain.cases.delivery.deliver_outbox"),
    PeriodicJob("prune finished tasks", timedelta(hours=6), "civicdesk.platform.worker.jobs.prune_finished_tasks"),
    PeriodicJob("journal checkpoint", timedelta(minutes=10), "civicdesk.domain.cases.journal_checks.write_checkpoint"),
)


class WorkerLoop:
    def __init__(
        self,
        *,
        poll_interval: float = 1.0,
        heartbeat_every: timedelta = timedelta(seconds=10),
        jobs: tuple[PeriodicJob, ...] = PERIODIC_JOBS,
    ) -> None:
        self.poll_interval = poll_interval
        self.heartbeat_every = heartbeat_every
        self.jobs = jobs
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.stopping = threading.Event()
        self._job_functions: dict[str, Callable[[], object]] = {job.name: import_string(job.function) for job in jobs}
        self._last_run: dict[str, datetime] = {}
        self._last_beat: datetime | None = None
        self._tasks = TaskQueueWorker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping.is_set():
            logger.warning("second %s: exiting now", signal.Signals(signum).name)
            sys.exit(1)
        logger.info("%s received: finishing the current step, then stopping", signal.Signals(signum).name)
        self.stopping.set()
        self._tasks.running = False

    def run(self) -> None:
        logger.info("worker %s started (jobs: %s)", self.worker_id, ", ".join(j.name for j in self.jobs) or "none")
        started_at = timesource.now()
        failures = 0
        try:
            while not self.stopping.is_set():
                try:
                    self.turn(started_at)
                except DatabaseError as error:
                    # A locked, restarting or unreachable database is weather, not a bug: the worker
                    # waits it out (the heartbeat goes stale meanwhile, so /healthz reports it) and carries on.
                    failures += 1
                    pause = min(self.poll_interval * 2**failures, MAX_BACKOFF_SECONDS)
                    reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
                    logger.error("database error (%s); retrying in %.0f s", reason, pause)
                    self._drop_connections()
                    self.stopping.wait(pause)
                    continue
                if failures:
                    logger.info("database reachable again after %d failed turn(s)", failures)
                    failures = 0
                self.stopping.wait(self.poll_interval)
        finally:
            try:
                WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
            except DatabaseError:
                logger.warning("could not remove the heartbeat of %s: the database is unavailable", self.worker_id)
            logger.info("worker %s stopped", self.worker_id)

    def turn(self, started_at: datetime) -> None:
        """One turn of the loop: heartbeat, the periodic jobs that are due, then the task queue."""
        close_old_connections()
        self.beat(started_at)
        self.run_due_jobs()
        if not self.stopping.is_set():
            self._tasks.running = True
            self._tasks.run()
        close_old_connections()

    @staticmethod
    def _drop_connections() -> None:
        # A connection that failed mid-transaction is useless; the next turn opens a fresh one.
        for connection in connections.all(initialized_only=True):
            try:
                connection.close()
            except DatabaseError:
                connection.connection = None

    def beat(self, started_at: datetime) -> None:
        now = timesource.now()
        if self._last_beat is not None and now - self._last_beat < self.heartbeat_every:
            return
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname(),
                "pid": os.getpid(),
                "started_at": started_at,
                "last_seen": now,
            },
        )
        self._last_beat = now

    def run_due_jobs(self) -> None:
        for job in self.jobs:
            if self.stopping.is_set():
                return
            now = timesource.now()
            last = self._last_run.get(job.name)
            if last is not None and now - last < job.every:
                continue
            try:
                self._job_functions[job.name]()
            except Exception:
                # One failing job must not stop the others or the heartbeat; it is retried next interval.
                logger.exception("periodic job %r failed", job.name)
            self._last_run[job.name] = now
