"""The worker survives database errors: a locked SQLite database, or a PostgreSQL server that stops, is logged,
waited out, and the loop carries on.

The worker runs on its own database (a SQLite file, or a PostgreSQL cluster
the test starts), not the test database, so the test can hold that file's
write lock longer than the worker's busy timeout, or stop that server.
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import psycopg
import pytest

from tests.fixtures.processes import ROOT, run_civicdesk, wait_for

pytestmark = pytest.mark.slow

BUSY_TIMEOUT = 20  # seconds SQLite waits for a lock before "database is locked" (platform/config.py)


def _last_seen(database: Path) -> str | None:
    with sqlite3.connect(database, timeout=1) as connection:
        row = connection.execute("SELECT max(last_seen) FROM worker_workerheartbeat").fetchone()
    return row[0] if row else None


def test_the_worker_logs_a_locked_database_backs_off_and_carries_on(
    started_processes: list[subprocess.Popen[str]], tmp_path: Path
) -> None:
    database = tmp_path / "worker.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "CIVICDESK_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{database}",
    }
    migrated = run_civicdesk("manage", "migrate", "--no-input", "-v", "0", env=env, timeout=180)
    assert migrated.returncode == 0, migrated.stderr
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "civicdesk", "worker"], env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
        )
    started_processes.append(worker)  # type: ignore[arg-type]
    wait_for(lambda: _last_seen(database) is not None, timeout=60, message="the first heartbeat")

    blocker = sqlite3.connect(database, timeout=1, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        wait_for(lambda: "database error" in log.read_text(), timeout=BUSY_TIMEOUT + 30, message="the logged error")
        assert worker.poll() is None, log.read_text()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    released = time.time()

    before = _last_seen(database)
    wait_for(lambda: _last_seen(database) != before, timeout=90, message="a heartbeat after the lock is released")
    assert worker.poll() is None, log.read_text()
    text = log.read_text()
    assert "database is locked" in text
    assert time.time() - released < 90


def _with_postgres() -> ModuleType:
    spec = importlib.util.spec_from_file_location("with_postgres", ROOT / "scripts" / "with_postgres.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pg_last_seen(url: str) -> str | None:
    try:
        with psycopg.connect(url, connect_timeout=2) as connection:
            row = connection.execute("SELECT max(last_seen)::text FROM worker_workerheartbeat").fetchone()
    except psycopg.OperationalError:
        return None
    return row[0] if row else None


def test_the_worker_logs_a_stopped_postgresql_backs_off_and_carries_on_when_it_is_back(
    started_processes: list[subprocess.Popen[str]], tmp_path: Path
) -> None:
    with_postgres = _with_postgres()
    bindir = with_postgres.find_bindir()
    if bindir is None:
        if os.environ.get("CIVICDESK_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL server binaries not found, and CIVICDESK_REQUIRE_POSTGRES=1")
        pytest.skip("PostgreSQL server binaries not found (apt install postgresql)")
    cluster = with_postgres.Cluster(bindir)
    try:
        cluster.start()
        cluster.create_database()
        env = {**os.environ, "CIVICDESK_DATA_DIR": str(tmp_path), "DATABASE_URL": cluster.url}
        migrated = run_civicdesk("manage", "migrate", "--no-input", "-v", "0", env=env, timeout=300)
        assert migrated.returncode == 0, migrated.stderr
        log = tmp_path / "worker.log"
        with log.open("w") as output:
            worker = subprocess.Popen(
                [sys.executable, "-m", "civicdesk", "worker"],
                env=env,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        started_processes.append(worker)  # type: ignore[arg-type]
        wait_for(lambda: _pg_last_seen(cluster.url) is not None, timeout=60, message="the first heartbeat")

        cluster.stop()
        wait_for(lambda: "database error" in log.read_text(), timeout=60, message="the logged error")
        time.sleep(3)  # a few failed turns, backing off
        assert worker.poll() is None, log.read_text()

        cluster.start()
        restarted = time.time()
        before = _pg_last_seen(cluster.url)
        wait_for(lambda: _pg_last_seen(cluster.url) != before, timeout=90, message="a heartbeat after the restart")
        assert worker.poll() is None, log.read_text()
        text = log.read_text()
        assert "database reachable again" in text
        assert time.time() - restarted < 90
    finally:
        for process in started_processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        cluster.remove()
