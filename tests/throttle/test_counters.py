"""The shared database counter: fixed windows, Retry-After, clean-up by expiry, client addresses, hashed scopes."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection
from django.test import RequestFactory

from civicdesk.platform import config, timesource
from civicdesk.platform.config import Limit
from civicdesk.platform.throttle import counters, limits
from civicdesk.platform.throttle.models import RateCounter

pytestmark = pytest.mark.django_db


def request_from(remote_addr: str, forwarded_for: str | None = None) -> Any:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, headers=headers)


def test_counts_hits_and_refuses_the_one_over_the_limit_until_the_window_ends() -> None:
    verdicts = [counters.hit("test:a", 3, 60) for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert [v.remaining for v in verdicts] == [2, 1, 0, 0]
    # NOW is 15:00:00 UTC, the start of a minute: the whole window is left.
    assert verdicts[-1].retry_after == 60
    assert RateCounter.objects.get(scope="test:a").hits == 4

    timesource.advance(timedelta(seconds=45))
    assert counters.hit("test:a", 3, 60).retry_after == 15
    timesource.advance(timedelta(seconds=15))
    assert counters.hit("test:a", 3, 60).allowed


def test_scopes_are_counted_apart() -> None:
    assert [counters.hit("test:a", 1, 60).allowed for _ in range(2)] == [True, False]
    assert counters.hit("test:b", 1, 60).allowed


def test_a_limit_of_zero_counts_nothing() -> None:
    assert all(counters.hit("test:a", 0, 60).allowed for _ in range(5))
    assert not RateCounter.objects.exists()


def test_a_short_window_starting_does_not_delete_a_long_window_still_running() -> None:
    assert [counters.hit("test:hourly", 2, 3600).allowed for _ in range(3)] == [True, True, False]
    timesource.advance(timedelta(minutes=5))
    counters.hit("test:per-minute", 10, 60)  # the first hit of its window deletes ended windows
    assert not counters.hit("test:hourly", 2, 3600).allowed
    assert RateCounter.objects.get(scope="test:hourly").hits == 4


def test_the_first_hit_of_a_window_deletes_the_rows_of_ended_windows() -> None:
    counters.hit("test:hourly", 5, 3600)
    counters.hit("test:per-minute", 5, 60)
    timesource.advance(timedelta(minutes=2))
    counters.hit("test:other", 5, 60)
    assert set(RateCounter.objects.values_list("scope", flat=True)) == {"test:hourly", "test:other"}
    timesource.advance(timedelta(hours=1))
    counters.hit("test:other", 5, 60)
    assert set(RateCounter.objects.values_list("scope", flat=True)) == {"test:other"}


def test_refund_takes_the_hit_back_in_the_window_it_was_counted_in() -> None:
    counters.hit("test:a", 2, 60)
    counted = counters.hit("test:a", 2, 60)
    counters.refund(counted)
    assert RateCounter.objects.get(scope="test:a").hits == 1
    timesource.advance(timedelta(minutes=1))
    fresh = counters.hit("test:a", 2, 60)
    counters.refund(counted)  # late: the new window keeps its hit
    assert fresh.allowed
    assert fresh.window_start is not None
    assert RateCounter.objects.get(scope="test:a", window_start=fresh.window_start).hits == 1


def test_an_unwritable_counter_lets_the_request_through_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    def broken(execute: Any, sql: str, *args: Any) -> Any:
        if RateCounter._meta.db_table in sql:
            raise DatabaseError("disk I/O error")
        return execute(sql, *args)

    with (
        connection.execute_wrapper(broken),
        caplog.at_level(logging.WARNING, logger="civicdesk.platform.throttle.counters"),
    ):
        verdict = counters.hit("test:a", 1, 60)
    assert verdict.allowed
    assert "letting the request through" in caplog.text
    counters.refund(verdict)  # nothing was counted: nothing to take back


def test_ipv6_clients_are_one_client_per_64() -> None:
    assert counters.client_address(request_from("2001:db8:1:2::1"), 0) == "2001:db8:1:2::/64"
    assert counters.client_address(request_from("2001:db8:1:2:abcd::9"), 0) == "2001:db8:1:2::/64"
    assert counters.client_address(request_from("2001:db8:1:3::1"), 0) == "2001:db8:1:3::/64"
    assert counters.client_address(request_from("198.51.100.7"), 0) == "198.51.100.7"


def test_x_forwarded_for_is_believed_only_behind_trusted_proxies() -> None:
    forged = request_from("203.0.113.50", forwarded_for="6.6.6.6")
    assert counters.client_address(forged, 0) == "203.0.113.50"

    proxied = request_from("10.0.0.2", forwarded_for="6.6.6.6, 203.0.113.1")
    assert counters.client_address(proxied, 1) == "203.0.113.1"  # the client's own header cannot choose
    assert counters.client_address(proxied, 2) == "6.6.6.6"
    assert counters.client_address(request_from("10.0.0.2"), 1) == "10.0.0.2"  # no header: the proxy's


def test_trusted_proxies_setting_fails_loudly_when_bad(settings: Any) -> None:
    assert config.trusted_proxies() == 0
    settings.CIVICDESK_TRUSTED_PROXIES = "one"
    with pytest.raises(ImproperlyConfigured, match="CIVICDESK_TRUSTED_PROXIES"):
        config.trusted_proxies()


def test_scopes_hold_a_keyed_hash_never_the_address() -> None:
    scope = counters.private_scope("portal:report", "198.51.100.7")
    assert scope.startswith("portal:report:")
    assert "198.51.100.7" not in scope
    assert scope == counters.private_scope("portal:report", "198.51.100.7")
    assert scope != counters.private_scope("portal:report", "198.51.100.8")


def test_limits_from_settings_override_the_defaults(settings: Any) -> None:
    defaults = {"report": Limit(hits=10, seconds=3600), "status": Limit(hits=30, seconds=600)}
    settings.CIVICDESK_TEST_LIMITS = {"report": (2, 60)}
    assert config.named_limits("CIVICDESK_TEST_LIMITS", defaults) == {
        "report": Limit(hits=2, seconds=60),
        "status": Limit(hits=30, seconds=600),
    }


@pytest.mark.parametrize("bad", [{"reports": (2, 60)}, {"report": (2, 0)}, {"report": ("2", 60)}, {"report": 2}, [1]])
def test_a_bad_limit_setting_fails_loudly(settings: Any, bad: Any) -> None:
    settings.CIVICDESK_TEST_LIMITS = bad
    with pytest.raises(ImproperlyConfigured, match="CIVICDESK_TEST_LIMITS"):
        config.named_limits("CIVICDESK_TEST_LIMITS", {"report": Limit(hits=10, seconds=3600)})


def test_the_portal_and_open311_count_on_the_shared_table_without_storing_the_address() -> None:
    assert limits.PORTAL_REPORT.limit() == Limit(hits=10, seconds=3600)
    assert limits.PORTAL_STATUS.limit() == Limit(hits=30, seconds=600)
    assert limits.PORTAL_REPORT.count_client(request_from("198.51.100.7")).allowed
    assert limits.OPEN311_ADDRESS.count("198.51.100.7").allowed
    scopes = list(RateCounter.objects.values_list("scope", flat=True))
    assert len(scopes) == 2
    assert not [scope for scope in scopes if "198.51.100.7" in scope]
