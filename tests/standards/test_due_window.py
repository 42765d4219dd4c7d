"""`civicdesk due` counts from a start between 2000-01-01 and five years ahead; outside, one line and exit 2."""

from __future__ import annotations

import pytest

from tests.fixtures.processes import run_civicdesk


@pytest.mark.parametrize(
    "start", ["9999-12-31T23:00:00-04:00", "0001-01-01T00:00:00+05:00", "1900-01-01T10:00:00-05:00"]
)
def test_due_with_a_start_outside_the_window_is_one_line_and_exit_2(start: str) -> None:
    result = run_civicdesk("due", "pickering", "PK-ACK-1BD", start)
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"civicdesk: error: START {start!r} must be between 2000-01-01 and ")


def test_due_with_a_pause_outside_the_window_is_one_line_and_exit_2() -> None:
    result = run_civicdesk(
        "due", "pickering", "PK-ACK-1BD", "2026-07-31T10:00:00-04:00", "--pause", "2026-08-01T00:00Z/9999-01-01T00:00Z"
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "pause end" in line
