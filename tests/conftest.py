"""The fixtures every suite shares: the demo city with its personas, the frozen clock, processes a test starts.

What they hand out is defined in ``tests.fixtures``; a suite's own conftest.py keeps only what is
its own (the API's token clients, the desk's signed-in clients, Open311's client key...).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from tests.fixtures.city import City, load_city
from tests.fixtures.clock import NOW, MovableClock

# The suite is deterministic: the same examples every run, so a red build is never luck.
# HYPOTHESIS_PROFILE=explore searches fresh random examples (do it before a release; add
# every failure it finds as a named test).
hypothesis_settings.register_profile("default", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore", derandomize=False, max_examples=2000, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Hashing is deliberately slow in production; tests create many accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def journal_checkpoint_file(settings: object, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each test appends journal checkpoints to its own file: a shared one would name other tests' cases."""
    path = tmp_path_factory.mktemp("journal") / "journal-checkpoints.jsonl"
    settings.JOURNAL_CHECKPOINT_FILE = path  # type: ignore[attr-defined]
    return path


@pytest.fixture
def city(db: None) -> City:
    """The demo city of Pickering, loaded into the test database.

    In a test that also asks for ``transactional_db`` or ``live_server`` (the browser tests, the
    tests that start processes), pytest-django makes ``db`` transactional, so the city is committed
    where other threads and processes can read it.
    """
    return load_city()


@pytest.fixture
def now() -> Iterator[MovableClock]:
    """The product's clock frozen at NOW (Tuesday 10:00 in Pickering); ``now.set()`` and ``now.advance()`` move it."""
    clock = MovableClock(NOW)
    yield clock
    clock.close()


@pytest.fixture
def started_processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts; any still running at the end are killed."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
