"""Shared fixtures: the personas of STYLE.md and helpers for tests that start real processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

from tests.factories import DepartmentFactory, JurisdictionFactory, StaffFactory

ROOT = Path(__file__).resolve().parent.parent

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


def database_url_for_tests() -> str:
    """A DATABASE_URL for the test database, so processes a test starts see the test data."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = quote(settings["USER"] or "")
    password = f":{quote(settings['PASSWORD'])}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def civicdesk_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url_for_tests(), **extra}


def run_civicdesk(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "civicdesk", *args],
        env=env if env is not None else civicdesk_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition, *, timeout: float = 30, interval: float = 0.1, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


@pytest.fixture
def started_processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts; any still running at the end are killed."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def pickering(db):
    return JurisdictionFactory(slug="pickering", name="City of Pickering")


@pytest.fixture
def roads(pickering):
    return DepartmentFactory(jurisdiction=pickering, code="roads", name="Roads & Transportation")


@pytest.fixture
def csr(pickering):
    from civicdesk.domain.staff.roles import Role

    return StaffFactory(jurisdiction=pickering, username="csr.alex", role=Role.CSR)


@pytest.fixture
def care_admin(pickering):
    from civicdesk.domain.staff.roles import Role

    return StaffFactory(jurisdiction=pickering, username="care.admin", role=Role.CARE_ADMIN, is_staff=True)
