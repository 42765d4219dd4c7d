"""`GET /healthz`: database reachable and worker heartbeat age, for load balancers."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import timedelta

import pytest

from civicdesk.platform import timesource
from civicdesk.platform.worker.models import WorkerHeartbeat
from tests.fixtures.processes import ROOT, civicdesk_env, wait_for


def _beat(age: timedelta) -> None:
    now = timesource.now()
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="h", pid=1, started_at=now - age, last_seen=now - age)


@pytest.mark.django_db
def test_no_worker_ever_seen_is_unhealthy(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["database"] == {"ok": True}
    assert body["worker"]["ok"] is False
    assert body["worker"]["last_seen"] is None


@pytest.mark.django_db
def test_recent_heartbeat_is_healthy(client) -> None:
    _beat(timedelta(seconds=5))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"]["ok"] is True
    assert 4 <= response.json()["worker"]["age_seconds"] <= 30
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_stale_heartbeat_is_unhealthy(client) -> None:
    _beat(timedelta(seconds=61))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"]["age_seconds"] > 60


@pytest.mark.django_db
def test_healthz_accepts_only_get_and_head(client) -> None:
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 503


@pytest.mark.django_db(transaction=True)
def test_a_stopped_worker_makes_healthz_unhealthy(client, started_processes) -> None:
    worker = subprocess.Popen(
        [sys.executable, "-m", "civicdesk", "worker"],
        env=civicdesk_env(),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started_processes.append(worker)
    wait_for(lambda: client.get("/healthz").status_code == 200, timeout=60, message="worker heartbeat")

    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=30)

    assert worker.returncode == 0, output
    assert "stopped" in output
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"]["ok"] is False
