"""The `civicdesk` command: usage errors exit 2, database problems are one line naming DATABASE_URL."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.fixtures.processes import ROOT, civicdesk_env, free_port, run_civicdesk, wait_for


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {**env, "CIVICDESK_DATA_DIR": str(tmp_path), **extra}


@pytest.mark.parametrize(
    "argv", [["bogus"], ["serve", "--bogus"], ["serve", "--port", "eighty"], ["demo", "--port", "0"], []]
)
def test_bad_command_line_prints_usage_and_exits_2(argv: list[str], tmp_path: Path) -> None:
    result = run_civicdesk(*argv, env=_env(tmp_path))
    assert result.returncode == 2
    assert "usage: civicdesk" in result.stderr
    assert "Traceback" not in result.stderr


def test_version_and_help(tmp_path: Path) -> None:
    assert run_civicdesk("--version", env=_env(tmp_path)).stdout.startswith("civicdesk ")
    help_text = run_civicdesk("--help", env=_env(tmp_path)).stdout
    for command in ("demo", "serve", "worker", "manage"):
        assert command in help_text


def test_unsupported_database_url_is_one_line_naming_it(tmp_path: Path) -> None:
    result = run_civicdesk("worker", env=_env(tmp_path, DATABASE_URL="mysql://root:hunter2@localhost/city"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DATABASE_URL" in lines[0]
    assert "hunter2" not in lines[0]


@pytest.mark.parametrize("command", ["serve", "worker", "demo"])
def test_unreachable_database_is_one_line_naming_database_url(command: str, tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    url = f"postgres://civicdesk:hunter2@127.0.0.1:{port}/civicdesk"
    result = run_civicdesk(command, env=_env(tmp_path, DATABASE_URL=url))

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("civicdesk: cannot reach the database at DATABASE_URL=")
    assert "hunter2" not in lines[0]


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_a_mistyped_rate_limit_stops_start_up_naming_the_setting(command: str, tmp_path: Path) -> None:
    (tmp_path / "city_settings.py").write_text(
        'from civicdesk.platform.settings import *  # noqa: F403\nCIVICDESK_SIGNIN_LIMITS = {"user": (5, 0)}\n'
    )
    python_path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    env = _env(tmp_path, DJANGO_SETTINGS_MODULE="city_settings", PYTHONPATH=python_path)
    result = run_civicdesk(command, env=env)

    assert result.returncode == 1, result.stderr
    assert "CIVICDESK_SIGNIN_LIMITS['user']" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    result = run_civicdesk("serve", env=_env(tmp_path))
    assert result.returncode == 1
    assert "unapplied migration" in result.stderr
    assert "civicdesk manage migrate" in result.stderr


def test_manage_passes_through_to_django(tmp_path: Path) -> None:
    result = run_civicdesk("manage", "check", env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_demo_load_only_prepares_a_fresh_database_and_never_duplicates(tmp_path: Path) -> None:
    first = run_civicdesk("demo", "--load-only", env=_env(tmp_path), timeout=120)
    second = run_civicdesk("demo", "--load-only", env=_env(tmp_path), timeout=120)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "csr.alex" in first.stdout
    assert "civicdesk-demo" in first.stdout
    assert "Customer Care administrator" in first.stdout
    database = sqlite3.connect(tmp_path / "civicdesk.sqlite3")
    assert database.execute("select count(*) from city_jurisdiction").fetchone()[0] == 1
    assert database.execute("select count(*) from city_service").fetchone()[0] == 23
    assert database.execute("select count(*) from staff_user").fetchone()[0] == 25


@pytest.mark.django_db(transaction=True)
def test_serve_runs_gunicorn_serving_the_site(started_processes) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "civicdesk", "serve", "--port", str(port), "--workers", "1"],
        env=civicdesk_env(),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started_processes.append(server)

    def home_page() -> bytes | None:
        try:
            body: bytes = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
            return body
        except OSError:
            return None

    wait_for(lambda: home_page() is not None, timeout=60, message="web server")
    assert b"Staff sign-in" in (home_page() or b"")
    with pytest.raises(urllib.error.HTTPError) as health:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
    assert health.value.code == 503  # no worker running
    assert json.loads(health.value.read())["database"]["ok"] is True

    server.terminate()
    output, _ = server.communicate(timeout=30)
    assert server.returncode == 0
    assert "gunicorn" in output.lower() or "Booting worker" in output


def test_due_through_the_civicdesk_command(tmp_path: Path) -> None:
    result = run_civicdesk("due", "pickering", "PK-ACK-1BD", "2026-10-09T10:00:00-04:00", "--json", env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["due_at"] == "2026-10-13T16:30:00-04:00"  # Friday before Thanksgiving Monday
    assert {"date": "2026-10-12", "reason": "holiday: Thanksgiving Day"}.items() <= body["skipped"][-1].items()

    bad = run_civicdesk("due", "pickering", "PK-NOPE", "2026-10-09T10:00:00-04:00", env=_env(tmp_path))
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1
    assert "PK-NOPE" in bad.stderr
