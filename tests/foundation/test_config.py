"""Settings come from the environment with working defaults; bad values stop start-up naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from civicdesk.platform.config import ConfigError, read_config, redact_url

# Production refuses a key of one character repeated (test_security_staples.py); this one passes.
STRONG_KEY = "k7#Qp2!vX9@mL4$wR8^tY1&zB6*nC3(fH5)jD0_sG2+aE9-uI4"


def test_defaults_give_an_embedded_sqlite_setup(tmp_path: Path) -> None:
    config = read_config({}, cwd=tmp_path)

    assert config.mode == "embedded"
    assert config.debug is False
    assert config.data_dir == tmp_path / "var"
    assert config.database["ENGINE"] == "civicdesk.platform.sqlite"  # Django's, with writers queued (platform/sqlite)
    assert config.database["NAME"] == str(tmp_path / "var" / "civicdesk.sqlite3")
    options = config.database["OPTIONS"]
    assert "journal_mode=WAL" in options["init_command"]
    assert "synchronous=FULL" in options["init_command"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert config.allowed_hosts == ("127.0.0.1", "localhost", "[::1]")
    assert config.time_zone == "UTC"
    assert config.email.host is None
    assert config.worker_heartbeat_max_age == 60


def test_rate_limits_trust_one_proxy_behind_a_proxy_and_none_otherwise(tmp_path: Path) -> None:
    assert read_config({}, cwd=tmp_path).trusted_proxies == 0
    assert read_config({"BEHIND_PROXY": "1"}, cwd=tmp_path).trusted_proxies == 1
    assert read_config({"BEHIND_PROXY": "1", "TRUSTED_PROXIES": "2"}, cwd=tmp_path).trusted_proxies == 2


def test_embedded_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = read_config({"CIVICDESK_DATA_DIR": str(tmp_path)}).secret_key
    second = read_config({"CIVICDESK_DATA_DIR": str(tmp_path)}).secret_key

    assert first == second
    assert len(first) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_secret_key_from_the_environment_wins(tmp_path: Path) -> None:
    config = read_config({"CIVICDESK_DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 60})
    assert config.secret_key == "k" * 60
    assert not (tmp_path / "secret_key").exists()


def test_postgres_url_is_parsed_with_persistent_health_checked_connections(tmp_path: Path) -> None:
    config = read_config({"DATABASE_URL": "postgres://city:s3cret@db.internal:6543/civicdesk"}, cwd=tmp_path)

    assert config.database["ENGINE"] == "django.db.backends.postgresql"
    assert (config.database["HOST"], config.database["PORT"], config.database["NAME"]) == (
        "db.internal",
        6543,
        "civicdesk",
    )
    assert config.database["CONN_HEALTH_CHECKS"] is True
    assert redact_url(config.database_url) == "postgres://city:***@db.internal:6543/civicdesk"


def test_production_requires_secret_key_and_allowed_hosts(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as missing_key:
        read_config({"CIVICDESK_MODE": "production", "ALLOWED_HOSTS": "311.city.example"}, cwd=tmp_path)
    assert missing_key.value.variable == "SECRET_KEY"

    with pytest.raises(ConfigError) as missing_hosts:
        read_config({"CIVICDESK_MODE": "production", "SECRET_KEY": STRONG_KEY}, cwd=tmp_path)
    assert missing_hosts.value.variable == "ALLOWED_HOSTS"

    config = read_config(
        {
            "CIVICDESK_MODE": "production",
            "SECRET_KEY": STRONG_KEY,
            "ALLOWED_HOSTS": "311.city.example, desk.city.example",
        },
        cwd=tmp_path,
    )
    assert config.production
    assert config.allowed_hosts == ("311.city.example", "desk.city.example")
    assert not (tmp_path / "var" / "secret_key").exists()


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DATABASE_URL", "mysql://root@localhost/city", "unsupported scheme 'mysql'"),
        ("DATABASE_URL", "postgres://city@localhost", "needs a database name"),
        ("CIVICDESK_MODE", "staging", "not one of: embedded, production"),
        ("DEBUG", "perhaps", "not a yes/no value"),
        ("EMAIL_PORT", "smtp", "not a whole number"),
        ("EMAIL_PORT", "70000", "out of range"),
        ("TIME_ZONE", "Mars/Olympus_Mons", "unknown time zone"),
        ("CSRF_TRUSTED_ORIGINS", "desk.city.example", "must start with http:// or https://"),
        ("DEFAULT_FROM_EMAIL", "customer care", "is not an email address"),
        ("WORKER_HEARTBEAT_MAX_AGE", "1", "out of range"),
        ("LOG_LEVEL", "chatty", "not one of"),
        ("TRUSTED_PROXIES", "-1", "out of range"),
        ("TRUSTED_PROXIES", "one", "not a whole number"),
    ],
)
def test_bad_value_names_the_variable(tmp_path: Path, variable: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        read_config({variable: value}, cwd=tmp_path)

    assert error.value.variable == variable
    assert str(error.value).startswith(f"{variable}: ")
    assert expected in str(error.value)


def test_tls_and_ssl_together_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="EMAIL_USE_SSL"):
        read_config({"EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "yes"}, cwd=tmp_path)


def test_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    with pytest.raises(ConfigError, match="CIVICDESK_DATA_DIR"):
        read_config({"CIVICDESK_DATA_DIR": str(not_a_folder)})


@pytest.mark.django_db
def test_sqlite_connection_really_runs_wal_and_full_sync() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite pragmas: this run uses PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
