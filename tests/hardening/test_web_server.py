"""`civicdesk serve` against hostile and careless clients, on a real server.

A client that hangs up before its answer costs nothing (the web process that
served it lives on); an Open311 key in a query string never reaches the access
log; each server keeps its control socket beside its own data.
"""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.processes import ROOT, civicdesk_env, free_port, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response.status


def _up(port: int) -> bool:
    try:
        return _get(port, "/healthz") in (200, 503)
    except OSError:
        return False


def _hang_up(port: int, path: str) -> None:
    """Send a request, then close the socket before reading a byte of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        client.shutdown(socket.SHUT_RD)


def _worker_pids(log: Path) -> list[str]:
    return re.findall(r"Booting worker with pid: (\d+)", log.read_text())


def _serve(started_processes: list[subprocess.Popen[str]], tmp_path: Path) -> tuple[int, Path]:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "civicdesk", "serve", "--port", str(port), "--workers", "1"],
            env=civicdesk_env(CIVICDESK_DATA_DIR=str(tmp_path)),
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    started_processes.append(server)
    wait_for(lambda: _up(port), timeout=60, message="web server")
    return port, log


def test_a_client_hanging_up_early_leaves_the_web_process_running(
    started_processes: list[subprocess.Popen[str]], city: object, tmp_path: Path
) -> None:
    port, log = _serve(started_processes, tmp_path)
    (first_pid,) = _worker_pids(log)

    for _ in range(5):
        _hang_up(port, "/open311/v2/requests.json?page_size=1000&extensions=true")
        _hang_up(port, "/open311/v2/services.json")
    time.sleep(1)

    assert _get(port, "/open311/v2/services.json") == 200
    assert _worker_pids(log) == [first_pid], log.read_text()
    assert "SIGPIPE" not in log.read_text()


def test_open311_api_key_in_the_query_string_never_reaches_the_access_log(
    started_processes: list[subprocess.Popen[str]], city: object, tmp_path: Path
) -> None:
    port, log = _serve(started_processes, tmp_path)
    _get(port, "/open311/v2/services.json?jurisdiction_id=x&api_key=SeCrEt-KeY-123&API_KEY=other-secret-9")
    wait_for(lambda: "GET /open311/v2/services.json?" in log.read_text(), timeout=10, message="the access log line")

    text = log.read_text()
    assert "SeCrEt-KeY-123" not in text
    assert "other-secret-9" not in text
    assert "api_key=[redacted]" in text


def test_each_server_keeps_its_control_socket_in_its_own_data_folder(
    started_processes: list[subprocess.Popen[str]], city: object, tmp_path: Path
) -> None:
    _port, log = _serve(started_processes, tmp_path)
    wait_for(lambda: "Control socket listening" in log.read_text(), timeout=10, message="the control socket")

    assert f"Control socket listening at {tmp_path / 'gunicorn.ctl'}" in log.read_text()
    assert (tmp_path / "gunicorn.ctl").is_socket()
