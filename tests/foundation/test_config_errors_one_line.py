"""Configuration and database errors are one readable line naming the setting, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fixtures.processes import free_port, run_civicdesk


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {**env, "CIVICDESK_DATA_DIR": str(tmp_path), **extra}


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgres://civicdesk:hunter2@localhost:99999/city", "bad port"),
        ("postgres://civicdesk:hunter2@localhost:fivefour/city", "bad port"),
        ("postgres://civicdesk:hunter2@[::1/city", "not a valid URL"),
    ],
)
@pytest.mark.parametrize("command", [["worker"], ["manage", "migrate"]])
def test_a_malformed_database_url_is_one_line_naming_it(
    tmp_path: Path, url: str, words: str, command: list[str]
) -> None:
    result = run_civicdesk(*command, env=_env(tmp_path, DATABASE_URL=url))
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("civicdesk: configuration error: DATABASE_URL")
    assert words in line
    assert "hunter2" not in line


def test_manage_migrate_against_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    url = f"postgres://civicdesk:hunter2@127.0.0.1:{free_port()}/civicdesk"
    result = run_civicdesk("manage", "migrate", env=_env(tmp_path, DATABASE_URL=url))
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("civicdesk: cannot reach the database at DATABASE_URL=")
    assert "hunter2" not in line
