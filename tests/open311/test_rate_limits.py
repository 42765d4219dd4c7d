"""Rate limits per key and per address: 429 with Retry-After, counted in the database so every process shares them."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from civicdesk.platform import timesource
from tests.fixtures.clock import NOW
from tests.fixtures.processes import ROOT, civicdesk_env, free_port, wait_for
from tests.open311.conftest import Open311, errors_of


def test_per_address_limit_answers_429_with_retry_after(city: Any, settings: Any) -> None:
    settings.OPEN311_RATE_LIMIT_PER_IP = 3
    settings.OPEN311_RATE_LIMIT_WINDOW = 60
    visitor, neighbour = Open311(remote_addr="198.51.100.20"), Open311(remote_addr="198.51.100.21")
    assert [visitor.get("services.json").status_code for _ in range(3)] == [200, 200, 200]
    refused = visitor.get("services.xml")
    assert refused.status_code == 429
    assert "at most 3 every 60 seconds" in errors_of(refused)[0]["description"]
    # NOW is 15:00:00 UTC, the start of a window: the whole minute is left.
    assert refused["Retry-After"] == "60"
    assert neighbour.get("services.json").status_code == 200
    with timesource.frozen_at(NOW + timedelta(seconds=45)):
        assert visitor.get("services.json")["Retry-After"] == "15"
    with timesource.frozen_at(NOW + timedelta(seconds=60)):
        assert visitor.get("services.json").status_code == 200


def test_ipv6_clients_are_counted_per_64(city: Any, settings: Any) -> None:
    settings.OPEN311_RATE_LIMIT_PER_IP = 2
    assert Open311(remote_addr="2001:db8:1:2::1").get("services.json").status_code == 200
    assert Open311(remote_addr="2001:db8:1:2::ffff").get("services.json").status_code == 200
    assert Open311(remote_addr="2001:db8:1:2:abcd::9").get("services.json").status_code == 429
    assert Open311(remote_addr="2001:db8:1:3::1").get("services.json").status_code == 200


def test_requests_with_a_key_count_against_the_key(o311: Open311, city: Any, settings: Any) -> None:
    settings.OPEN311_RATE_LIMIT_PER_IP = 1
    settings.OPEN311_RATE_LIMIT_PER_KEY = 4
    statuses = [o311.get("services.json", api_key=o311.key).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 200]
    refused = o311.post(service_code="GRAFFITI", lat="43.8", long="-79.1")
    assert refused.status_code == 429
    assert "this api_key" in errors_of(refused)[0]["description"]
    assert int(refused["Retry-After"]) >= 1
    # Guessing keys counts against the guesser's address, which is limited.
    guesser = Open311("o311_guess", remote_addr="192.0.2.99")
    assert guesser.post(service_code="GRAFFITI", lat="43.8", long="-79.1").status_code == 403
    assert guesser.post(service_code="GRAFFITI", lat="43.8", long="-79.1").status_code == 429


def test_a_trusted_proxy_forwards_the_client_address(city: Any, settings: Any) -> None:
    settings.OPEN311_RATE_LIMIT_PER_IP = 1
    settings.OPEN311_TRUSTED_PROXIES = 1
    proxy = Open311(remote_addr="10.0.0.2")

    def get(forwarded: str) -> int:
        return int(proxy.client.get("/open311/v2/services.json", headers={"X-Forwarded-For": forwarded}).status_code)

    assert get("203.0.113.1") == 200
    assert get("203.0.113.2") == 200
    assert get("6.6.6.6, 203.0.113.1") == 429  # the client cannot choose its address by sending its own header


def test_zero_turns_a_limit_off(city: Any, settings: Any) -> None:
    settings.OPEN311_RATE_LIMIT_PER_IP = 0
    visitor = Open311()
    assert {visitor.get("services.json").status_code for _ in range(20)} == {200}


def test_a_bad_setting_fails_loudly(city: Any, settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from civicdesk.platform import config

    settings.OPEN311_RATE_LIMIT_PER_IP = "lots"
    with pytest.raises(ImproperlyConfigured, match="OPEN311_RATE_LIMIT_PER_IP"):
        config.open311_settings()


@pytest.mark.django_db(transaction=True)
def test_the_count_is_shared_with_another_process(settings: Any) -> None:
    from civicdesk.platform.throttle import limits

    settings.OPEN311_RATE_LIMIT_PER_IP = 4
    for _ in range(3):
        assert limits.OPEN311_ADDRESS.count("192.0.2.1").allowed
    script = textwrap.dedent(
        f"""
        import django, os
        from datetime import datetime
        django.setup()
        from django.test import override_settings
        from civicdesk.platform import timesource
        from civicdesk.platform.throttle import limits
        with timesource.frozen_at(datetime.fromisoformat({NOW.isoformat()!r})), override_settings(OPEN311_RATE_LIMIT_PER_IP=4):
            print(limits.OPEN311_ADDRESS.count("192.0.2.1").allowed, limits.OPEN311_ADDRESS.count("192.0.2.1").allowed)
        """
    )
    other = subprocess.run(
        [sys.executable, "-c", script],
        env=civicdesk_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert other.returncode == 0, other.stderr
    assert other.stdout.split() == ["True", "False"]  # the 4th request is allowed there, the 5th is not
    assert not limits.OPEN311_ADDRESS.count("192.0.2.1").allowed


@pytest.mark.django_db(transaction=True)
def test_two_gunicorn_workers_share_one_limit(started_processes: list[Any], tmp_path: Path, city: Any) -> None:
    """`civicdesk serve` with two web processes: 40 requests at once, a limit of 25 → exactly 25 served."""
    (tmp_path / "limited_settings.py").write_text(
        "from civicdesk.platform.settings import *  # noqa\nOPEN311_RATE_LIMIT_PER_IP = 25\nOPEN311_RATE_LIMIT_WINDOW = 86400\n"
    )
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "civicdesk", "serve", "--port", str(port), "--workers", "2"],
        env=civicdesk_env(DJANGO_SETTINGS_MODULE="limited_settings", PYTHONPATH=f"{tmp_path}:{ROOT}"),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    started_processes.append(server)
    url = f"http://127.0.0.1:{port}/open311/v2/services.json"

    def status() -> int:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except OSError:
            return 0

    try:
        wait_for(lambda: status() == 200, timeout=90, message="civicdesk serve")
    except AssertionError:
        raise AssertionError((tmp_path / "serve.log").read_text()[-3000:]) from None
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: status(), range(40)))
    assert statuses.count(200) == 24  # plus the one that found the server up
    assert statuses.count(429) == 16
