"""The `civicdesk` command (also `python -m civicdesk`).

    civicdesk demo [--host H] [--port N] [--load-only]   prepare a demo city and run web + worker
    civicdesk serve [--host H] [--port N]                 production web server (gunicorn)
    civicdesk worker                                      background tasks and periodic sweeps
    civicdesk sweep --once                                one sweep of due commitments
    civicdesk due PROFILE STANDARD_ID START [--json]      when a standard falls due, explained
    civicdesk profile check FILE | show NAME              validate or print a standards profile
    civicdesk manage ARGS…                                Django management commands

Configuration comes from the environment (see docs/operator.md). User errors
end with one line on stderr: exit 2 for a bad command line or configuration,
1 when the database cannot be reached or is not ready.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from civicdesk import __version__
from civicdesk.platform import mail_cli, standards_cli
from civicdesk.platform.config import ConfigError, from_environment, redact_url

EXIT_FAILURE = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A command cannot go on; the message is shown to the operator as one line."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def main(argv: Sequence[str] | None = None) -> int:
    # SIGPIPE stays ignored (Python's default): the web processes inherit it, and a client
    # hanging up must be an error the server handles, never a signal that kills the process.
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except BrokenPipeError:
        # Piped into `head`: stop quietly like any Unix tool instead of a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILURE
    except ConfigError as error:
        print(f"civicdesk: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except CliError as error:
        print(f"civicdesk: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="civicdesk",
        description="Customer-care (311) software that holds a city to its own service standards.",
    )
    parser.add_argument("--version", action="version", version=f"civicdesk {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    demo = commands.add_parser("demo", help="create or migrate the database, load the demo city, run web + worker")
    _add_bind_options(demo)
    demo.add_argument("--load-only", action="store_true", help="prepare the database and demo data, then exit")
    demo.add_argument(
        "--mail-port", type=_port, default=2525, help="port of the demo's mail listener (default: %(default)s)"
    )
    demo.set_defaults(handler=run_demo)

    serve = commands.add_parser("serve", help="run the production web server (gunicorn)")
    _add_bind_options(serve)
    serve.add_argument(
        "--workers", type=_positive_int, default=None, help="web processes (default: WEB_CONCURRENCY or 2)"
    )
    serve.set_defaults(handler=run_serve)

    worker = commands.add_parser("worker", help="run background tasks and the periodic sweeps")
    worker.set_defaults(handler=run_worker)

    sweep = commands.add_parser("sweep", help="record missed standards and follow-up requests that are due")
    sweep.add_argument(
        "--once", action="store_true", required=True, help="run one sweep and exit (the worker runs it every 30 s)"
    )
    sweep.set_defaults(handler=run_sweep_once)

    standards_cli.register(commands)
    mail_cli.register(commands, prepare=_prepare_migrated)

    manage = commands.add_parser("manage", help="run a Django management command, e.g. `civicdesk manage migrate`")
    manage.add_argument("arguments", nargs=argparse.REMAINDER, help="the management command and its arguments")
    manage.set_defaults(handler=run_manage)

    return parser


def _add_bind_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=_port, default=8000, help="port to listen on (default: %(default)s)")


def _port(value: str) -> int:
    number = _positive_int(value)
    if number > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (1-65535)")
    return number


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return number


# --- Django start-up -------------------------------------------------------------


def setup_django() -> None:
    """Check the configuration, then start Django. Raises ConfigError naming the bad variable."""
    from_environment()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdesk.platform.settings")
    import django

    django.setup()


def _prepare_migrated() -> None:
    setup_django()
    check_database(require_migrated=True)


def check_settings() -> None:
    """Refuse to start on a setting Django's checks call an error (a mistyped rate limit, say), naming it."""
    from django.core import checks

    serious = [message for message in checks.run_checks() if message.is_serious()]
    if serious:
        raise CliError("; ".join(f"{message.msg} ({message.id})" for message in serious))


def check_database(*, require_migrated: bool) -> None:
    """Fail with one line naming DATABASE_URL when the database is unreachable (or not migrated)."""
    from django.conf import settings
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    url = redact_url(settings.CONFIG.database_url)
    if settings.CONFIG.uses_sqlite:
        folder = Path(settings.DATABASES["default"]["NAME"]).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CliError(f"cannot create the folder for DATABASE_URL={url}: {error.strerror}") from None
    try:
        connection.ensure_connection()
        if require_migrated:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CliError(f"cannot reach the database at DATABASE_URL={url}: {reason}") from None
    if require_migrated and pending:
        raise CliError(
            f"the database at DATABASE_URL={url} has {len(pending)} unapplied migration(s); "
            "run `civicdesk manage migrate` first"
        )


# --- commands ----------------------------------------------------------------------


def run_manage(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import execute_from_command_line
    from django.db import OperationalError

    try:
        execute_from_command_line(["civicdesk manage", *args.arguments])
    except OperationalError:
        # A database that cannot be reached is one line naming DATABASE_URL, like every other command;
        # any other database failure keeps its traceback, which is what one needs to debug it.
        check_database(require_migrated=False)
        raise
    return 0


def run_serve(args: argparse.Namespace) -> int:
    setup_django()
    check_settings()
    check_database(require_migrated=True)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from civicdesk.platform.web_server import WebServer

    if settings.CONFIG.production:
        call_command("collectstatic", interactive=False, verbosity=0)
    connections.close_all()  # never share a connection with the forked web processes
    WebServer(
        host=args.host,
        port=args.port,
        workers=args.workers or settings.CONFIG.web_concurrency,
        data_dir=settings.CONFIG.data_dir,
    ).run()
    return 0


def run_worker(args: argparse.Namespace) -> int:
    setup_django()
    check_settings()
    check_database(require_migrated=True)
    from civicdesk.platform.worker.loop import WorkerLoop

    loop = WorkerLoop()
    loop.install_signal_handlers()
    loop.run()
    return 0


def run_sweep_once(args: argparse.Namespace) -> int:
    setup_django()
    check_database(require_migrated=True)
    from civicdesk.domain.cases.sweep import run_sweep

    print(f"sweep: {run_sweep()}")
    return 0


def run_demo(args: argparse.Namespace) -> int:
    setup_django()
    check_database(require_migrated=False)
    from django.conf import settings
    from django.core.management import call_command

    from civicdesk.platform.demo.city import load_demo_city

    call_command("migrate", interactive=False, verbosity=0)
    accounts = load_demo_city()
    url = f"http://{_url_host(args.host)}:{args.port}/"
    print(f"Demo city ready in {redact_url(settings.CONFIG.database_url)}")
    print("Staff log-ins (demo only; every account uses the same password):")
    width = max(len(account.username) for account in accounts)
    for account in accounts:
        print(f"  {account.username:<{width}}  {account.password}  {account.role_label}")
    if args.load_only:
        return 0
    if not settings.CONFIG.email.host:
        print(f"Outgoing mail (no EMAIL_HOST set) is written to {settings.EMAIL_FILE_PATH}/ as .eml files")
    print(f"Mail to the city: send it by SMTP to {_url_host(args.host)}:{args.mail_port}; each becomes a case")
    print(f"Starting web + worker on {url}  (staff sign-in: {url}admin/; stop with Ctrl+C)", flush=True)
    mail = ["mail-intake", "--host", args.host, "--port", str(args.mail_port), "--public-url", url]
    return _run_web_and_worker(args.host, args.port, extra=[mail])


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _run_web_and_worker(host: str, port: int, *, extra: Sequence[Sequence[str]] = ()) -> int:
    """Run `serve` and `worker` as child processes; stop both when either ends or on a signal.

    ``extra`` commands (the demo's mail listener) run beside them; one that ends (its port taken, say)
    ends alone, with its own message, and the web and the worker go on.
    """
    python = [sys.executable, "-m", "civicdesk"]
    children = [
        subprocess.Popen([*python, "serve", "--host", host, "--port", str(port)]),  # noqa: S603
        subprocess.Popen([*python, "worker"]),  # noqa: S603
    ]
    helpers = [subprocess.Popen([*python, *command]) for command in extra]  # noqa: S603
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        for child in [*children, *helpers]:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in [*children, *helpers]:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    failed = [child.returncode for child in children if child.returncode not in (0, -signal.SIGTERM)]
    return 0 if stopping or not failed else EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
