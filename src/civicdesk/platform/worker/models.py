"""What the background worker leaves behind for health checks."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per running worker process, refreshed every few seconds; removed on clean shutdown.

    Not a tenant table: a worker serves every jurisdiction in the database.
    """

    worker_id = models.CharField(max_length=200, unique=True)
    hostname = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.worker_id
