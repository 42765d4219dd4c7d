"""``civicdesk due`` and ``civicdesk profile check|show``: output, JSON, and one-line errors with exit code 2."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from civicdesk.platform.standards_cli import main, register
from civicdesk.platform.timesource import frozen_at


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_due_prints_the_instant_and_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "due", "pickering", "PK-ACK-1BD", "2026-07-31T10:00:00-04:00")
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "2026-08-04T16:30:00-04:00"
    assert "skipped 2026-08-03 (Monday): holiday: Civic Holiday" in out
    assert "calendar version 2026.1" in out


def test_due_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "due", "miami-beach", "MB-LETTER", "2026-11-23T15:00:00Z", "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["due_at"] == "2026-12-09T18:00:00-05:00"
    assert payload["standard"] == "MB-LETTER"
    assert payload["started_at"] == "2026-11-23T10:00:00-05:00"
    assert payload["calendar_version"] == "2026.1"
    assert payload["skipped"][0] == {
        "date": "2026-11-26",
        "reason": "holiday: Thanksgiving Day",
        "kind": "holiday",
        "name": "Thanksgiving Day",
    }


def test_due_with_pauses(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "due",
        "pickering",
        "PK-ACK-1BD",
        "2026-07-29T10:00-04:00",
        "--pause",
        "2026-07-30T09:00-04:00/2026-08-05T12:00-04:00",
        "--json",
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["due_at"] == "2026-08-05T16:30:00-04:00"
    assert [s["reason"] for s in payload["skipped"]].count("clock paused") == 3


def test_due_accepts_a_profile_path(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(__file__).resolve().parents[2] / "src/civicdesk/engines/standards/profiles/lawrence.toml"
    code, out, _ = run(capsys, "due", str(path), "LW-VM", "2026-03-03T10:00-06:00")
    assert code == 0
    assert out.startswith("2026-03-04T10:00:00-06:00")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("due", "springfield", "X-1", "2026-03-03T10:00Z"), "unknown profile 'springfield'"),
        (("due", "pickering", "PK-NOPE", "2026-03-03T10:00Z"), "has no standard 'PK-NOPE'"),
        (("due", "pickering", "PK-ACK-1BD", "2026-03-03T10:00"), "has no UTC offset"),
        (("due", "pickering", "PK-ACK-1BD", "next tuesday"), "is not an ISO 8601 timestamp"),
        (("due", "pickering", "PK-ACK-1BD", "2026-03-03T10:00Z", "--pause", "2026-03-04T10:00Z"), "expected FROM/TO"),
        (
            ("due", "pickering", "PK-ACK-1BD", "2026-03-03T10:00Z", "--pause", "2026-03-05T10:00Z/2026-03-04T10:00Z"),
            "ends before it starts",
        ),
        (("due", "pickering", "PK-OOO", "2026-03-03T10:00Z"), "threshold"),
        (("profile", "show", "springfield"), "unknown profile"),
        (("profile", "check", "/nonexistent/profile.toml"), "no such file"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert message in err
    assert "Traceback" not in err


def test_profile_check_invalid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = (Path(__file__).resolve().parents[2] / "src/civicdesk/engines/standards/profiles/pickering.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(good.replace("target = 15", "target = -15", 1))
    code, _, err = run(capsys, "profile", "check", str(bad))
    assert code == 2
    line = next(i for i, text in enumerate(bad.read_text().splitlines(), 1) if "target = -15" in text)
    assert (
        err.strip()
        == f"civicdesk: error: {bad}:{line}: standards[8] (PK-EMAIL-ANSWER).target: expected a whole number >= 0, got -15"
    )


def test_profile_check_ok(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(__file__).resolve().parents[2] / "src/civicdesk/engines/standards/profiles/santa-ana.toml"
    code, out, err = run(capsys, "profile", "check", str(path))
    assert code == 0
    assert "ok: profile 'santa-ana', 2 standards" in out
    assert err == ""


def test_profile_show_lists_next_years_holidays(capsys: pytest.CaptureFixture[str]) -> None:
    with frozen_at(datetime(2026, 6, 1, tzinfo=UTC)):
        code, out, _ = run(capsys, "profile", "show", "pickering")
    assert code == 0
    assert "holidays and closures in 2027:" in out
    assert "2027-08-02 Mon  holiday: Civic Holiday" in out
    assert "PK-ESC" in out
    assert "request 3: copy supervisor, division_head" in out


def test_argparse_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "due", "pickering")
    assert code == 2
    assert "usage:" in err


def test_register_sets_a_handler_on_every_command() -> None:
    parser = argparse.ArgumentParser(prog="civicdesk")
    register(parser.add_subparsers(dest="command", required=True))
    for argv in (
        ["due", "pickering", "PK-RING", "2026-03-03T10:00Z"],
        ["profile", "check", "x.toml"],
        ["profile", "show", "pickering"],
    ):
        assert callable(parser.parse_args(argv).handler)
