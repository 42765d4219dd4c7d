"""Nothing lost: every intake the server acknowledged survives `kill -9` of the whole server mid-stream.

Concurrent clients post cases through the staff API; the web server (master
and workers) is killed with SIGKILL while requests are in flight. Every case
answered 2xx must be in the database afterwards, and retrying every request
with its Idempotency-Key on a restarted server yields exactly one case per key.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading

import pytest

from civicdesk.domain.cases.models import Case
from tests.fixtures.processes import ROOT, civicdesk_env, free_port, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLIENTS = 8


def _start_server(port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "civicdesk", "serve", "--port", str(port), "--workers", "2"],
        env=civicdesk_env(),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group: kill -9 reaches master and workers
    )


def _up(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/")
        return connection.getresponse().status == 200
    except OSError:
        return False


def _post(port: int, token: str, key: str) -> tuple[int, dict[str, object]]:
    body = json.dumps(
        {"kind": "service_request", "channel": "phone", "service": "POTHOLE", "description": f"Pothole report {key}"}
    )
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(
        "POST",
        "/api/v1/cases",
        body,
        {"Authorization": f"Bearer {token}", "Idempotency-Key": key, "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def test_every_acknowledged_intake_survives_kill_9_and_retries_make_one_case_each(started_processes, city) -> None:
    from civicdesk.channels.api.tokens import issue_token

    _row, token = issue_token(user=city.csr)
    port = free_port()
    server = _start_server(port)
    started_processes.append(server)
    wait_for(lambda: _up(port), timeout=60, message="web server")

    acknowledged: dict[str, str] = {}  # idempotency key -> reference
    attempted: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int) -> None:
        sent = 0
        while not stop.is_set():
            key = f"client{number}-{sent}"
            sent += 1
            with lock:
                attempted.append(key)
            try:
                status, body = _post(port, token, key)
            except (OSError, http.client.HTTPException, json.JSONDecodeError):
                return  # the server died under us: this request was never acknowledged
            if status in (200, 201):
                with lock:
                    acknowledged[key] = str(body["reference"])

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    wait_for(lambda: len(acknowledged) >= 40, timeout=60, message="acknowledged intakes")
    os.killpg(server.pid, signal.SIGKILL)  # no clean shutdown, requests in flight
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    server.wait(timeout=10)

    stored = set(Case.objects.values_list("reference", flat=True))
    lost = {key: ref for key, ref in acknowledged.items() if ref not in stored}
    assert acknowledged, "no intake was acknowledged before the kill"
    assert lost == {}

    # Clients retry everything they sent (acknowledged or not) with the same keys.
    restarted = _start_server(port)
    started_processes.append(restarted)
    wait_for(lambda: _up(port), timeout=60, message="restarted web server")
    for key in attempted:
        status, body = _post(port, token, key)
        assert status in (200, 201), body
        if key in acknowledged:
            assert body["reference"] == acknowledged[key]
    assert Case.objects.count() == len(attempted)
    assert len(set(Case.objects.values_list("description", flat=True))) == len(attempted)
