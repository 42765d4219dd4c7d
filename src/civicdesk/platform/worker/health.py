"""``GET /healthz``: what a load balancer needs to know — can we reach the database, is a worker alive."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Max
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from civicdesk.platform import timesource
from civicdesk.platform.worker.models import WorkerHeartbeat


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and a worker beat within ``WORKER_HEARTBEAT_MAX_AGE``; else 503."""
    database: dict[str, Any] = {"ok": True}
    worker: dict[str, Any] = {"ok": False, "last_seen": None, "age_seconds": None}
    worker["max_age_seconds"] = settings.WORKER_HEARTBEAT_MAX_AGE
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        last_seen = WorkerHeartbeat.objects.aggregate(last=Max("last_seen"))["last"]
    except DatabaseError as error:
        database = {"ok": False, "error": str(error).splitlines()[0] if str(error) else type(error).__name__}
        last_seen = None
    if last_seen is not None:
        age = (timesource.now() - last_seen).total_seconds()
        worker.update(last_seen=last_seen.isoformat(), age_seconds=round(age, 1))
        worker["ok"] = age <= settings.WORKER_HEARTBEAT_MAX_AGE
    healthy = database["ok"] and worker["ok"]
    body = {"status": "ok" if healthy else "unhealthy", "database": database, "worker": worker}
    return JsonResponse(body, status=200 if healthy else 503)
