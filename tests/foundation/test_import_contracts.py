"""The rings are enforced: ``lint-imports`` (run by ``make lint``) passes here and fails on a violation.

The violation is made in a temporary copy of the source, never in the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.processes import ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="import-linter is not installed (pip install -e .[dev])"
)


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "checkout"
    shutil.copytree(ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def _add_import(module: Path, line: str) -> None:
    text = module.read_text()
    marker = "from __future__ import annotations\n"
    assert marker in text
    module.write_text(text.replace(marker, f"{marker}\n{line}\n", 1))


def test_the_checkout_keeps_every_contract() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        (
            "engines/calendars/calendar.py",
            "from django.conf import settings  # noqa: F401",
            "Engines are pure Python: no Django, no database",
        ),
        (
            "domain/cases/models.py",
            "from civicdesk.channels.desk import selectors  # noqa: F401",
            "Rings: platform entry points, then channels, then domain, then engines",
        ),
        (
            "channels/portal/views.py",
            "from civicdesk.channels.desk import selectors as desk_selectors  # noqa: F401",
            "Channels are independent of each other; what they share is the UI kit",
        ),
        (
            "platform/throttle/counters.py",
            "from civicdesk.channels.open311 import keys  # noqa: F401",
            "Platform services (settings reader, time source, keys, rate limits) never reach",
        ),
    ],
)
def test_a_violation_fails_the_lint(tmp_path: Path, module: str, line: str, broken: str) -> None:
    copy = _copy(tmp_path)
    _add_import(copy / "src" / "civicdesk" / module, line)
    result = _lint_imports(copy)
    assert result.returncode != 0
    assert broken in " ".join(result.stdout.split()), result.stdout
