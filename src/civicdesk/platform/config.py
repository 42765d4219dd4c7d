"""Read civicdesk's configuration, in one place: the environment and the Django settings it reads.

Every variable has a working default for the embedded set-up (one machine,
SQLite under a data directory). ``CIVICDESK_MODE=production`` makes the values
that must never be guessed in production (``SECRET_KEY``, ``ALLOWED_HOSTS``)
required. A bad value raises :class:`ConfigError` naming the variable, so
start-up stops with a one-line message instead of running half-configured.

:func:`read_config` reads the environment once, before Django starts: the
settings module and the CLI both call it, and the CLI reports errors before
``django.setup()``. The rate limits and Open311's settings are Django settings
(docs/operator.md, "Rate limits"), read by the typed readers at the end of
this module each time they are used, so an operator's settings module and a
test's ``override_settings`` both apply; the apps register those readers as
start-up checks (``civicdesk.E001``).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MODES = ("embedded", "production")
EMBEDDED_ALLOWED_HOSTS = ("127.0.0.1", "localhost", "[::1]")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A configuration variable is missing or has a value civicdesk cannot use."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


@dataclass(frozen=True)
class EmailConfig:
    host: str | None
    port: int
    user: str
    password: str = field(repr=False)
    use_tls: bool
    use_ssl: bool
    default_from: str


@dataclass(frozen=True)
class ImapConfig:
    """The mailbox ``civicdesk mail-poll`` reads (``IMAP_HOST`` unset: no mailbox)."""

    host: str | None
    port: int
    user: str
    password: str = field(repr=False)
    use_ssl: bool = True
    folder: str = "INBOX"
    every: int = 60


@dataclass(frozen=True)
class Config:
    mode: str
    debug: bool
    data_dir: Path
    database_url: str
    database: dict[str, Any] = field(repr=False)
    email: EmailConfig
    imap: ImapConfig
    secret_key: str = field(repr=False)
    allowed_hosts: tuple[str, ...] = ()
    csrf_trusted_origins: tuple[str, ...] = ()
    behind_proxy: bool = False
    trusted_proxies: int = 0
    time_zone: str = "UTC"
    worker_heartbeat_max_age: int = 60
    web_concurrency: int = 2
    log_level: str = "INFO"
    staff_idle_minutes: int = 30
    staff_session_hours: int = 12
    journal_checkpoint_file: Path | None = None
    staff_two_factor_required: bool = False
    journal_checkpoint_key: str = field(default="", repr=False)

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @property
    def uses_sqlite(self) -> bool:
        return urlsplit(self.database_url).scheme == "sqlite"


def redact_url(url: str) -> str:
    """The URL with any password replaced, safe to print in an error message (even a URL that does not parse)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url)
    if "@" not in parts.netloc:
        return url
    credentials, _at, host = parts.netloc.rpartition("@")
    if ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def from_environment() -> Config:
    """The configuration of this process, from its environment; raise :class:`ConfigError` on a bad value."""
    return read_config(os.environ)


def read_config(environ: Mapping[str, str], *, cwd: Path | None = None) -> Config:
    """Build the configuration from ``environ``; raise :class:`ConfigError` on a bad value."""
    reader = _Reader(environ)
    mode = reader.choice("CIVICDESK_MODE", MODES, default="embedded")
    production = mode == "production"
    data_dir = reader.path("CIVICDESK_DATA_DIR", default=(cwd or Path.cwd()) / "var")

    database_url = reader.text("DATABASE_URL", default=f"sqlite:///{data_dir / 'civicdesk.sqlite3'}")
    database = _database(database_url)

    debug = reader.flag("DEBUG", default=False)
    if production:
        # What production refuses to start with, each named (docs/operator.md, "Security").
        if debug:
            raise ConfigError("DEBUG", "must be off in production: it shows tracebacks and settings to any visitor")
        secret_key = reader.required("SECRET_KEY")
        _check_secret_key(secret_key)
        allowed_hosts = reader.items("ALLOWED_HOSTS", default=None)
        if not allowed_hosts:
            raise ConfigError("ALLOWED_HOSTS", "is required in production (comma-separated host names)")
        wildcards = [host for host in allowed_hosts if "*" in host]
        if wildcards:
            raise ConfigError(
                "ALLOWED_HOSTS", f"may not contain a wildcard in production ({wildcards[0]!r}); name each host"
            )
    else:
        secret_key = environ.get("SECRET_KEY") or _persisted_secret_key(data_dir)
        allowed_hosts = reader.items("ALLOWED_HOSTS", default=EMBEDDED_ALLOWED_HOSTS)

    behind_proxy = reader.flag("BEHIND_PROXY", default=False)
    origins = reader.items("CSRF_TRUSTED_ORIGINS", default=())
    for origin in origins:
        if not origin.startswith(("http://", "https://")):
            raise ConfigError("CSRF_TRUSTED_ORIGINS", f"{origin!r} must start with http:// or https://")

    time_zone = reader.text("TIME_ZONE", default="UTC")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            "TIME_ZONE", f"unknown time zone {time_zone!r} (expected an IANA name such as America/Toronto)"
        ) from None

    email = EmailConfig(
        host=environ.get("EMAIL_HOST") or None,
        port=reader.number("EMAIL_PORT", default=25, minimum=1, maximum=65535),
        user=environ.get("EMAIL_HOST_USER", ""),
        password=environ.get("EMAIL_HOST_PASSWORD", ""),
        use_tls=reader.flag("EMAIL_USE_TLS", default=False),
        use_ssl=reader.flag("EMAIL_USE_SSL", default=False),
        default_from=reader.text("DEFAULT_FROM_EMAIL", default="civicdesk@localhost"),
    )
    if email.use_tls and email.use_ssl:
        raise ConfigError("EMAIL_USE_SSL", "cannot be on together with EMAIL_USE_TLS; choose one")
    if "@" not in email.default_from:
        raise ConfigError("DEFAULT_FROM_EMAIL", f"{email.default_from!r} is not an email address")
    imap_ssl = reader.flag("IMAP_USE_SSL", default=True)
    imap = ImapConfig(
        host=environ.get("IMAP_HOST") or None,
        port=reader.number("IMAP_PORT", default=993 if imap_ssl else 143, minimum=1, maximum=65535),
        user=environ.get("IMAP_USER", ""),
        password=environ.get("IMAP_PASSWORD", ""),
        use_ssl=imap_ssl,
        folder=reader.text("IMAP_FOLDER", default="INBOX"),
        every=reader.number("IMAP_POLL_SECONDS", default=60, minimum=5, maximum=3600),
    )

    return Config(
        mode=mode,
        debug=debug,
        data_dir=data_dir,
        database_url=database_url,
        database=database,
        secret_key=secret_key,
        allowed_hosts=tuple(allowed_hosts),
        csrf_trusted_origins=tuple(origins),
        behind_proxy=behind_proxy,
        # How many proxies append to X-Forwarded-For: rate limits count the client, not the proxy.
        trusted_proxies=reader.number("TRUSTED_PROXIES", default=1 if behind_proxy else 0, minimum=0, maximum=5),
        time_zone=time_zone,
        email=email,
        imap=imap,
        worker_heartbeat_max_age=reader.number("WORKER_HEARTBEAT_MAX_AGE", default=60, minimum=5),
        web_concurrency=reader.number("WEB_CONCURRENCY", default=2, minimum=1, maximum=64),
        log_level=reader.choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), default="INFO", upper=True),
        journal_checkpoint_file=reader.file_path(
            "JOURNAL_CHECKPOINT_FILE", default=data_dir / "journal-checkpoints.jsonl"
        ),
        journal_checkpoint_key=_checkpoint_key(environ.get("JOURNAL_CHECKPOINT_KEY", "")),
        staff_two_factor_required=reader.flag("STAFF_TWO_FACTOR_REQUIRED", default=production),
        staff_idle_minutes=reader.number("STAFF_IDLE_MINUTES", default=30, minimum=1, maximum=24 * 60),
        staff_session_hours=reader.number("STAFF_SESSION_HOURS", default=12, minimum=1, maximum=24 * 30),
    )


def _checkpoint_key(key: str) -> str:
    """The key the journal checkpoints are signed with (none: the checkpoints are written unsigned)."""
    if key and (len(key) < 32 or len(set(key)) < 5):
        raise ConfigError("JOURNAL_CHECKPOINT_KEY", "must be at least 32 random characters")
    return key


def _check_secret_key(key: str) -> None:
    """Django's own test of a strong key (``check --deploy``'s security.W009), as a refusal to start."""
    if len(key) < 50:
        raise ConfigError("SECRET_KEY", "must be at least 50 characters in production")
    if len(set(key)) < 5:
        raise ConfigError("SECRET_KEY", "must not be a few characters repeated; generate a random key")
    if key.startswith("django-insecure-"):
        raise ConfigError("SECRET_KEY", "is Django's insecure development key; generate a random key")


def _database(url: str) -> dict[str, Any]:
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise ConfigError("DATABASE_URL", f"is not a valid URL ({error}): {redact_url(url)!r}") from None
    scheme = parts.scheme
    try:
        parts.port  # noqa: B018 — read for its check: "Port out of range", "could not be cast to integer"
    except ValueError as error:
        raise ConfigError("DATABASE_URL", f"has a bad port ({error}) in {redact_url(url)!r}") from None
    if scheme == "sqlite":
        # A connection kept across requests: opening one registers Django's SQL functions and runs the
        # pragmas below, about 3 ms of CPU that every request paid.
        parsed = _parse_database_url(url, conn_max_age=60, conn_health_checks=True)
        name = str(parsed["NAME"])
        if not name or name == ":memory:":
            raise ConfigError(
                "DATABASE_URL", "needs a file path for SQLite, e.g. sqlite:////var/lib/civicdesk/db.sqlite3"
            )
        parsed["ENGINE"] = "civicdesk.platform.sqlite"  # writers queue on a file lock (platform/sqlite/base.py)
        parsed["OPTIONS"] = {
            # Durable and concurrent: WAL lets readers run beside the writer,
            # FULL fsyncs every commit, IMMEDIATE takes the write lock at BEGIN so
            # two writers queue instead of failing half-way with "database is locked".
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # Tests use a file beside the database (not memory) so the worker and web
        # processes they start can open the same test database.
        parsed["TEST"] = {"NAME": str(Path(name).with_name(Path(name).stem + "-test.sqlite3"))}
        return dict(parsed)
    if scheme in ("postgres", "postgresql", "pgsql"):
        parsed = _parse_database_url(url, conn_max_age=60, conn_health_checks=True)
        if not parsed.get("NAME"):
            raise ConfigError("DATABASE_URL", "needs a database name, e.g. postgres://civicdesk@localhost/civicdesk")
        return dict(parsed)
    raise ConfigError(
        "DATABASE_URL",
        f"unsupported scheme {scheme!r} in {redact_url(url)!r}; expected sqlite:///PATH or postgres://USER@HOST/NAME",
    )


def _parse_database_url(url: str, **options: Any) -> dict[str, Any]:
    try:
        return dict(dj_database_url.parse(url, **options))
    except (dj_database_url.ParseError, ValueError):
        raise ConfigError(
            "DATABASE_URL",
            f"is not a valid URL: {redact_url(url)!r} (write special characters in the password as %XX)",
        ) from None


def _persisted_secret_key(data_dir: Path) -> str:
    """The embedded set-up's key: generated once, kept private in the data directory."""
    path = data_dir / "secret_key"
    try:
        if path.exists():
            key = path.read_text().strip()
            if key:
                return key
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.touch(mode=0o600)
        path.write_text(key + "\n")
    except OSError as error:
        raise ConfigError("CIVICDESK_DATA_DIR", f"cannot keep the secret key in {path}: {error.strerror}") from None
    return key


class _Reader:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def text(self, name: str, *, default: str) -> str:
        value = self.environ.get(name, "").strip()
        return value or default

    def required(self, name: str) -> str:
        value = self.environ.get(name, "").strip()
        if not value:
            raise ConfigError(name, "is required in production")
        return value

    def flag(self, name: str, *, default: bool) -> bool:
        raw = self.environ.get(name)
        if raw is None:
            return default
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ConfigError(name, f"{raw!r} is not a yes/no value (use 1/0, true/false, yes/no, on/off)")

    def number(self, name: str, *, default: int, minimum: int, maximum: int | None = None) -> int:
        raw = self.environ.get(name, "").strip()
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(name, f"{raw!r} is not a whole number") from None
        if value < minimum or (maximum is not None and value > maximum):
            upper = f" and at most {maximum}" if maximum is not None else ""
            raise ConfigError(name, f"{value} is out of range (at least {minimum}{upper})")
        return value

    def choice(self, name: str, choices: tuple[str, ...], *, default: str, upper: bool = False) -> str:
        raw = self.environ.get(name, "").strip()
        if not raw:
            return default
        value = raw.upper() if upper else raw.lower()
        if value not in choices:
            raise ConfigError(name, f"{raw!r} is not one of: {', '.join(choices)}")
        return value

    def items(self, name: str, *, default: tuple[str, ...] | None) -> tuple[str, ...]:
        raw = self.environ.get(name, "").strip()
        if not raw:
            return default or ()
        return tuple(item.strip() for item in raw.split(",") if item.strip())

    def path(self, name: str, *, default: Path) -> Path:
        raw = self.environ.get(name, "").strip()
        path = Path(raw).expanduser() if raw else default
        if path.exists() and not path.is_dir():
            raise ConfigError(name, f"{path} exists and is not a directory")
        return path.resolve()

    def file_path(self, name: str, *, default: Path) -> Path:
        raw = self.environ.get(name, "").strip()
        path = Path(raw).expanduser() if raw else default
        if path.is_dir():
            raise ConfigError(name, f"{path} is a directory; name a file")
        return path.resolve()


# --- Django settings read while running ----------------------------------------------------


class SettingError(ConfigError, ImproperlyConfigured):
    """A Django setting has a value civicdesk cannot use; Django's checks report it at start-up."""


@dataclass(frozen=True)
class Limit:
    """At most ``hits`` in a window of ``seconds``; 0 hits means no limit."""

    hits: int
    seconds: int


# Defaults suit one resident at the portal and one person signing in.
SIGN_IN_LIMITS = {"user": Limit(hits=5, seconds=15 * 60), "address": Limit(hits=20, seconds=15 * 60)}
PORTAL_LIMITS = {
    "report": Limit(hits=10, seconds=3600),
    "status": Limit(hits=30, seconds=600),
    # References are public in the Open311 feed: guesses at one case's email or phone are limited
    # whatever address they come from (the status link in the receipt is not).
    "reference": Limit(hits=10, seconds=3600),
}

OPEN311_CONTACT = "Contact the city's Customer Care office."
OPEN311_KEY_SERVICE = (
    "Ask the city's Customer Care administrator for an API key; they issue one per client application."
)


@dataclass(frozen=True)
class Open311Settings:
    """The ``OPEN311_*`` settings (docs/open311.md, "Settings")."""

    window: int
    per_ip: int
    per_key: int
    trusted_proxies: int
    media_max_bytes: int
    contact: str
    key_service: str


def sign_in_limits() -> dict[str, Limit]:
    """``CIVICDESK_SIGNIN_LIMITS``: failed staff sign-ins allowed per ``user`` name and per client ``address``."""
    return named_limits("CIVICDESK_SIGNIN_LIMITS", SIGN_IN_LIMITS)


def portal_limits() -> dict[str, Limit]:
    """``CIVICDESK_PORTAL_LIMITS``: ``report`` submissions and ``status`` look-ups per address, look-ups per ``reference``."""
    return named_limits("CIVICDESK_PORTAL_LIMITS", PORTAL_LIMITS)


def named_limits(setting: str, defaults: Mapping[str, Limit]) -> dict[str, Limit]:
    """``defaults``, each overridable by the setting ``{"name": (hits, seconds)}``; a bad value fails loudly."""
    overrides = getattr(settings, setting, {})
    if not isinstance(overrides, Mapping):
        raise SettingError(setting, f"must be a dict of name: (hits, seconds), not {overrides!r}")
    limits = dict(defaults)
    for name, value in overrides.items():
        if name not in defaults:
            raise SettingError(setting, f"unknown limit {name!r}; the limits are {', '.join(defaults)}")
        limits[name] = _limit(f"{setting}[{name!r}]", value)
    return limits


def _limit(where: str, value: object) -> Limit:
    if (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in value)
        and value[0] >= 0
        and value[1] >= 1
    ):
        return Limit(hits=value[0], seconds=value[1])
    raise SettingError(
        where,
        f"must be (hits, seconds): whole numbers, hits at least 0 (0: no limit) and seconds at least 1, not {value!r}",
    )


def trusted_proxies() -> int:
    """``CIVICDESK_TRUSTED_PROXIES``: reverse proxies in front of the web processes that add to X-Forwarded-For."""
    return _setting_number("CIVICDESK_TRUSTED_PROXIES", default=0, minimum=0)


def open311_settings() -> Open311Settings:
    """The ``OPEN311_*`` settings, each with its default; the first bad one raises :class:`SettingError`."""
    return Open311Settings(
        window=_setting_number("OPEN311_RATE_LIMIT_WINDOW", default=60, minimum=1),
        per_ip=_setting_number("OPEN311_RATE_LIMIT_PER_IP", default=300, minimum=0),
        per_key=_setting_number("OPEN311_RATE_LIMIT_PER_KEY", default=1200, minimum=0),
        trusted_proxies=_setting_number("OPEN311_TRUSTED_PROXIES", default=0, minimum=0),
        media_max_bytes=_setting_number("OPEN311_MEDIA_MAX_BYTES", default=5 * 1024 * 1024, minimum=1),
        contact=_setting_text("OPEN311_CONTACT", default=OPEN311_CONTACT),
        key_service=_setting_text("OPEN311_KEY_SERVICE", default=OPEN311_KEY_SERVICE),
    )


@dataclass(frozen=True)
class JournalCheckpointSettings:
    file: Path
    key: str = field(repr=False)


def journal_checkpoint_settings() -> JournalCheckpointSettings:
    """Where the journal checkpoints are appended, and the key they are signed with ("" : unsigned)."""
    where = getattr(settings, "JOURNAL_CHECKPOINT_FILE", None)
    if not isinstance(where, str | Path) or not str(where):
        raise SettingError("JOURNAL_CHECKPOINT_FILE", f"must be a file path, not {where!r}")
    return JournalCheckpointSettings(file=Path(where), key=_setting_text("JOURNAL_CHECKPOINT_KEY", default=""))


def two_factor_required() -> bool:
    """``CIVICDESK_TWO_FACTOR_REQUIRED``: staff who may see residents' contacts must sign in with a second factor."""
    value = getattr(settings, "CIVICDESK_TWO_FACTOR_REQUIRED", False)
    if not isinstance(value, bool):
        raise SettingError("CIVICDESK_TWO_FACTOR_REQUIRED", f"must be True or False, not {value!r}")
    return value


def _setting_number(name: str, *, default: int, minimum: int) -> int:
    value = getattr(settings, name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SettingError(name, f"must be a whole number of at least {minimum}, not {value!r}")
    return value


def _setting_text(name: str, *, default: str) -> str:
    value = getattr(settings, name, default)
    if not isinstance(value, str):
        raise SettingError(name, f"must be text, not {value!r}")
    return value
