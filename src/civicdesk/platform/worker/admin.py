from django.contrib import admin

from civicdesk.platform.worker.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["worker_id", "hostname", "pid", "started_at", "last_seen"]
    readonly_fields = ["worker_id", "hostname", "pid", "started_at", "last_seen"]
