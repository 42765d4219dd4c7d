"""Where intake's time goes: ``POST /api/v1/cases`` profiled in-process, layer by layer, on a generated city.

Run: ``python bench/profile_intake.py`` (5 000 cases, 300 intakes; about 2 minutes) or with
``--cases``, ``--intakes``, ``--load`` (also drive ``civicdesk serve`` with bench_cases.py's load
generator: cases/s, p50, p99, the server's CPU per case) and ``--data-dir DIR`` (keep the database
there and reuse it next time; else a temporary folder is removed at the end).

The database is made as bench_cases.py makes it (the demo city, then ``--cases`` open cases inserted in
bulk); the requests are bench_cases.py's intake mix (service requests, complaints with their details,
inquiries, each with a resident contact, an ``Idempotency-Key`` each), sent with Django's test client
and the CSR's API token. Three passes over ``--intakes`` requests each, after a warm-up:

1. **plain**: wall and CPU time per case, SQL statements per case and the time spent executing them;
2. **layers**: the same requests with a timer around each layer's entry point (ninja's authentication,
   input parsing and output validation, the permission check, the service's validation, contact, case,
   journal, clock and idempotency writes, the standards engine, the clock summary, the response…):
   each layer's own time (its callees in other layers excluded) and the SQL executed inside it;
3. **pyinstrument** (when installed): a sampling profile, saved as text and HTML, and the functions
   with the most time of their own.

What the test client leaves out — gunicorn, the socket, the WSGI environ of a real server — is what
``--load`` adds: the server's CPU per case minus the in-process CPU per case.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE)]

import bench_cases  # noqa: E402 — the bench's data generator, load generator and request mix

# --- the layers: (label, module or class path, attribute) -------------------------------------------------

LAYERS: list[tuple[str, str, str]] = [
    ("test client: WSGI request and response objects", "django.test.client.ClientHandler", "__call__"),
    ("Django middleware and request signals", "django.core.handlers.base.BaseHandler", "get_response"),
    ("URL resolving and view dispatch", "django.core.handlers.base.BaseHandler", "_get_response"),
    ("database connection (opened per request)", "django.db.backends.base.base.BaseDatabaseWrapper", "connect"),
    ("ninja: operation (other)", "ninja.operation.Operation", "run"),
    ("ninja + civicdesk: bearer token authentication", "ninja.operation.Operation", "_run_authentication"),
    ("ninja: body parsing and input validation", "ninja.operation.Operation", "_get_values"),
    ("ninja: output validation (response schema)", "ninja.operation.Operation", "_result_to_response"),
    ("response: JSON encoding and HttpResponse", "ninja.main.NinjaAPI", "create_response"),
    ("view: service look-up, arguments", "VIEW", "create_case"),
    ("permissions (access.require)", "civicdesk.domain.cases.access", "require"),
    ("permissions (access.require)", "civicdesk.domain.cases.services", "require"),
    ("create_case: other (transaction, flags)", "civicdesk.domain.cases.services", "create_case"),
    ("create_case: validation", "civicdesk.domain.cases.services", "_validated_intake"),
    ("create_case: validation", "civicdesk.domain.cases.services", "_validated_contact"),
    ("create_case: validation", "civicdesk.domain.cases.services", "_check_length"),
    ("create_case: idempotency look-up", "civicdesk.domain.cases.services", "_replayed"),
    ("create_case: building the case (other)", "civicdesk.domain.cases.services", "_create_case"),
    ("contact: insert", "civicdesk.domain.people.models.Contact", "save"),
    ("case: insert with a fresh reference", "civicdesk.domain.cases.services", "_insert_with_fresh_reference"),
    ("journal: append (other)", "civicdesk.domain.cases.journal", "append"),
    ("journal: hashing", "civicdesk.domain.cases.journal", "entry_hash"),
    ("journal: insert", "civicdesk.domain.cases.models.JournalEntry", "save"),
    ("clocks: profile look-up", "civicdesk.domain.cases.clocks", "profile_for"),
    ("clocks: which standards apply", "civicdesk.domain.cases.clocks", "intake_standards"),
    ("clocks: start a clock (other)", "civicdesk.domain.cases.clocks", "start_clock"),
    ("standards engine: due date and explanation", "civicdesk.engines.standards", "due"),
    ("commitment: insert", "civicdesk.domain.cases.models.Commitment", "save"),
    ("routing (other)", "civicdesk.domain.cases.services", "_route"),
    ("case: update after routing", "civicdesk.domain.cases.services", "_touch"),
    ("clock summary refresh", "civicdesk.domain.cases.clocks", "refresh"),
    ("idempotency key: insert", "civicdesk.domain.cases.models.IdempotencyKey", "save"),
    # Intake as a package of actions through one unit of work (the layout after the case actions landed).
    ("permissions (access.require)", "civicdesk.domain.cases.actions.intake", "require"),
    ("create_case: other (transaction, flags)", "civicdesk.domain.cases.actions", "create_case"),
    ("create_case: other (transaction, flags)", "civicdesk.domain.cases.actions.intake", "create_case"),
    ("routing (other)", "civicdesk.domain.cases.actions.intake", "send_to_department"),
    ("create_case: validation", "civicdesk.domain.cases.actions.intake", "_validated_intake"),
    ("create_case: validation", "civicdesk.domain.cases.actions.intake", "_validated_contact"),
    ("create_case: idempotency look-up", "civicdesk.domain.cases.actions.intake", "_replayed"),
    ("create_case: building the case (other)", "civicdesk.domain.cases.actions.intake", "_record"),
    ("case: insert with a fresh reference", "civicdesk.domain.cases.actions.intake", "_insert_with_fresh_reference"),
    ("receipt to the resident", "civicdesk.domain.cases.actions.intake", "_send_receipt"),
    ("unit of work: flush (bulk writes)", "civicdesk.domain.cases.unit_of_work.UnitOfWork", "flush"),
    ("transaction commit (fsync)", "django.db.backends.base.base.BaseDatabaseWrapper", "commit"),
    ("response: the case as a dict (clocks read back)", "civicdesk.channels.api.cases", "_created_out"),
    ("response: the case as a dict (clocks read back)", "civicdesk.channels.api.selectors", "case_data"),
]
OUTSIDE = "(outside any layer)"
# Entry points of either layout that this tree does not have are left out (and counted in the report).


class LayerClock:
    """Own time per layer: entering a layer stops the clock of the one it was called from.

    Both clocks run: CPU time of this thread (what a busy machine changes least, and what a server's
    two cores run out of) and wall time (which adds waiting: for the disk at commit, for the CPU).
    """

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.mark = self.cpu_mark = 0.0
        self.own: Counter[str] = Counter()
        self.own_cpu: Counter[str] = Counter()
        self.sql: Counter[str] = Counter()
        self.sql_cpu: Counter[str] = Counter()
        self.statements: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.missing: list[str] = []  # entry points not in this tree

    def _switch(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        label = self.stack[-1] if self.stack else OUTSIDE
        self.own[label] += now - self.mark
        self.own_cpu[label] += cpu - self.cpu_mark
        self.mark, self.cpu_mark = now, cpu

    def wrap(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._switch()
            self.stack.append(label)
            self.calls[label] += 1
            try:
                return function(*args, **kwargs)
            finally:
                self._switch()
                self.stack.pop()

        timed.__wrapped__ = function  # type: ignore[attr-defined]
        return timed

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        """An ``execute_wrapper``: SQL time is counted in the layer that ran it (and stays in its own time)."""
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return execute(sql, params, many, context)
        finally:
            label = self.stack[-1] if self.stack else OUTSIDE
            self.sql[label] += time.perf_counter() - started
            self.sql_cpu[label] += time.thread_time() - cpu
            self.statements[label] += 1

    def start(self) -> None:
        self.mark, self.cpu_mark = time.perf_counter(), time.thread_time()


def _resolve(path: str) -> Any:
    import importlib

    module_path, _, name = path.rpartition(".")
    try:
        return importlib.import_module(path)
    except ImportError:
        return getattr(importlib.import_module(module_path), name)


@contextlib.contextmanager
def layers_installed(clock: LayerClock) -> Iterator[None]:
    """Put the timers in place (and take them out again): attributes of modules and classes, and the view."""
    from ninja.operation import Operation

    undo: list[tuple[Any, str, Any]] = []
    views = {attribute: label for label, path, attribute in LAYERS if path == "VIEW"}
    for label, path, attribute in LAYERS:
        if path == "VIEW":
            continue
        try:
            owner = _resolve(path)
        except (ImportError, AttributeError):
            clock.missing.append(f"{path}.{attribute}")
            continue
        if not hasattr(owner, attribute):
            clock.missing.append(f"{path}.{attribute}")
            continue
        # A class's own function (not a bound method), or None when it inherits it: undoing then deletes ours.
        original = owner.__dict__.get(attribute) if isinstance(owner, type) else getattr(owner, attribute)
        undo.append((owner, attribute, original))
        setattr(owner, attribute, clock.wrap(label, original or getattr(owner, attribute)))
    # The API serves copies of the router's operations: time a view the first time its operation runs.
    timed_run = Operation.run

    def run(operation: Any, request: Any, **kwargs: Any) -> Any:
        view = operation.view_func
        if view.__name__ in views and not hasattr(view, "__wrapped__"):
            undo.append((operation, "view_func", view))
            operation.view_func = clock.wrap(views[view.__name__], view)
        return timed_run(operation, request, **kwargs)

    undo.append((Operation, "run", timed_run))
    Operation.run = run  # type: ignore[method-assign]
    try:
        yield
    finally:
        for owner, attribute, original in reversed(undo):
            if original is None:
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, original)


# --- the in-process passes -----------------------------------------------------------------------------------


def inprocess(args: argparse.Namespace) -> None:
    bench_cases.setup_django()
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {args.token}"}
    run = uuid.uuid4().hex[:8]
    sent = Counter[str]()

    def intake(i: int) -> None:
        response = client.post(
            "/api/v1/cases",
            data=json.dumps(bench_cases.intake_body(i)),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"profile-{run}-{i}",
            **headers,
        )
        sent[str(response.status_code)] += 1

    def many(first: int) -> None:
        for i in range(first, first + args.intakes):
            intake(i)

    for i in range(20):  # warm-up: imports, URL set-up, caches, the token's "last used" write
        intake(100_000 + i)
    sent.clear()
    n = args.intakes
    result: dict[str, Any] = {"intakes": n}

    counter = bench_cases.QueryCounter()
    sql_clock = LayerClock()
    with connection.execute_wrapper(sql_clock), connection.execute_wrapper(counter):
        sql_clock.start()
        wall, cpu = time.perf_counter(), time.process_time()
        many(0)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    result["plain"] = {
        "wall_ms_per_case": wall * 1000 / n,
        "cpu_ms_per_case": cpu * 1000 / n,
        "statements_per_case": counter.count / n,
        "sql_ms_per_case": sum(sql_clock.sql.values()) * 1000 / n,
    }

    if args.plain_only:
        result["statuses"] = dict(sent)
        bench_cases.emit(result)
        return
    clock = LayerClock()
    with layers_installed(clock), connection.execute_wrapper(clock):
        clock.start()
        wall = time.perf_counter()
        many(n)
        wall = time.perf_counter() - wall
    clock._switch()
    layers = {}
    for label in sorted(clock.own, key=lambda k: -clock.own_cpu[k]):
        layers[label] = {
            "cpu_ms_per_case": clock.own_cpu[label] * 1000 / n,
            "ms_per_case": clock.own[label] * 1000 / n,
            "sql_cpu_ms_per_case": clock.sql_cpu[label] * 1000 / n,
            "sql_ms_per_case": clock.sql[label] * 1000 / n,
            "statements_per_case": clock.statements[label] / n,
            "calls_per_case": clock.calls[label] / n,
        }
    result["layers"] = {"wall_ms_per_case": wall * 1000 / n, "by_layer": layers, "not_in_this_tree": clock.missing}
    result["connect_ms"] = connect_cost()

    try:
        from pyinstrument import Profiler
    except ImportError:
        result["pyinstrument"] = "not installed (pip install pyinstrument, or the bench extra)"
    else:
        profiler = Profiler(interval=0.0005)
        profiler.start()
        many(2 * n)
        profiler.stop()
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "intake-profile.txt").write_text(profiler.output_text(unicode=False, color=False, show_all=False))
        (out / "intake-profile.html").write_text(profiler.output_html())
        session = profiler.last_session
        result["pyinstrument"] = {
            "text": str(out / "intake-profile.txt"),
            "html": str(out / "intake-profile.html"),
            "top_self": top_self_time(session, n),
        }
    result["statuses"] = dict(sent)
    bench_cases.emit(result)


def connect_cost(times: int = 50) -> dict[str, float]:
    """Opening the database connection as a real server does on every request (CONN_MAX_AGE 0 on SQLite).

    The test client keeps one connection for all its requests, so the passes above leave this out.
    """
    from django.db import connection

    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(times):
        connection.close()
        connection.ensure_connection()
    return {
        "wall_ms": (time.perf_counter() - wall) * 1000 / times,
        "cpu_ms": (time.thread_time() - cpu) * 1000 / times,
        "conn_max_age": float(connection.settings_dict.get("CONN_MAX_AGE") or 0),
    }


def top_self_time(session: Any, n: int, limit: int = 30) -> list[dict[str, Any]]:
    """Functions by their own time (callees excluded), with the caller that spent most of it."""
    own: Counter[str] = Counter()
    callers: dict[str, Counter[str]] = {}

    def walk(frame: Any, parent: str, grandparent: str) -> None:
        if frame.function == "[self]":  # pyinstrument's own-time leaf: the time of the frame above it
            name, parent = parent, grandparent
        else:
            name = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
        mine = frame.time - sum(child.time for child in frame.children)
        own[name] += mine
        callers.setdefault(name, Counter())[parent] += mine
        for child in frame.children:
            walk(child, name, parent)

    root = session.root_frame()
    if root is not None:
        walk(root, "", "")
    return [
        {"function": name, "ms_per_case": t * 1000 / n, "mostly_from": callers[name].most_common(1)[0][0]}
        for name, t in own.most_common(limit)
    ]


# --- preparing the database, and the load run --------------------------------------------------------------


def prepare(args: argparse.Namespace, work: Path) -> tuple[dict[str, str], str]:
    env = {
        **os.environ,
        "CIVICDESK_DATA_DIR": str(work),
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"sqlite:///{work / 'civicdesk.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "civicdesk.platform.settings",
    }
    civicdesk = [sys.executable, "-m", "civicdesk"]
    token_file = work / "profile-token"
    if not token_file.exists():
        bench_cases.log(f"making the database in {work}: demo city, {args.cases:,} cases")
        generate = [sys.executable, str(HERE / "bench_cases.py"), "--phase", "civic-generate"]
        subprocess.run([*civicdesk, "demo", "--load-only"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        bench_cases.run_json(
            [*generate, "--cases", str(args.cases), "--due", str(max(1, args.cases // 100))],
            env,
        )
        made = subprocess.run(
            [*civicdesk, "manage", "create_api_token", bench_cases.CSR],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        token_file.write_text(made.stdout.strip().splitlines()[-1].strip())
    else:
        subprocess.run([*civicdesk, "manage", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
    return env, token_file.read_text().strip()


def load(args: argparse.Namespace, env: dict[str, str], token: str, work: Path) -> dict[str, Any]:
    """3 x ``--intakes`` intakes through ``civicdesk serve`` from ``--clients`` clients, after a warm-up."""
    port = bench_cases.free_port()
    command = [sys.executable, "-m", "civicdesk", "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = bench_cases.Server([*command, "--workers", str(args.workers)], env, work / "server.log", port, ROOT)
    try:
        server.wait_ready("/healthz")
        auth = {"Authorization": f"Bearer {token}", "Host": f"127.0.0.1:{port}", "Content-Type": "application/json"}
        run = uuid.uuid4().hex[:8]

        def intake(i: int) -> bench_cases.Request:
            body = json.dumps(bench_cases.intake_body(i)).encode()
            return ("POST", "/api/v1/cases", body, {**auth, "Idempotency-Key": f"load-{run}-{i}"})

        bench_cases.drive(port, lambda i: intake(10_000_000 + i), 100, args.clients)
        figure = bench_cases.drive_measured(server, port, intake, 3 * args.intakes, args.clients, max_seconds=180)
        figure["server_cpu_ms_per_case"] = figure["server_cpu_s"] * 1000 / max(figure["ok"], 1)
        return figure
    finally:
        server.stop()


def report(result: dict[str, Any]) -> None:
    if result.get("plain"):
        report_inprocess(result)
    if result.get("load"):
        f = result["load"]
        print(
            f"\nthrough civicdesk serve ({f['clients']} clients, {f['ok']} cases): {f['rate']:.0f} cases/s, "
            f"p50 {f['p50_ms']:.0f} ms, p99 {f['p99_ms']:.0f} ms, server CPU {f['server_cpu_ms_per_case']:.1f} ms "
            f"per case, load generator {f['client_cpu_s'] * 1000 / max(f['ok'], 1):.1f} ms per case, "
            f"errors {f['errors']}"
        )


def report_inprocess(result: dict[str, Any]) -> None:
    plain = result["plain"]
    print(
        f"\nintake in-process, {result['intakes']} requests per pass: {plain['wall_ms_per_case']:.1f} ms wall, "
        f"{plain['cpu_ms_per_case']:.1f} ms CPU, {plain['statements_per_case']:.1f} statements "
        f"({plain['sql_ms_per_case']:.1f} ms executing them) per case; statuses {result['statuses']}"
    )
    if "layers" not in result:
        return
    layers = result["layers"]
    print(f"\nby layer: own time per case (the timers add a little: {layers['wall_ms_per_case']:.1f} ms wall per case)")
    print(f"{'layer':<52} {'CPU ms':>7} {'of it SQL':>9} {'wall ms':>8} {'of it SQL':>9} {'stmts':>6}")
    for label, f in layers["by_layer"].items():
        print(
            f"{label:<52} {f['cpu_ms_per_case']:>7.2f} {f['sql_cpu_ms_per_case']:>9.2f} {f['ms_per_case']:>8.2f} "
            f"{f['sql_ms_per_case']:>9.2f} {f['statements_per_case']:>6.1f}"
        )
    if layers.get("not_in_this_tree"):
        print(f"  (entry points not in this tree, left out: {len(layers['not_in_this_tree'])})")
    c = result["connect_ms"]
    when = (
        "a real server does it for every request"
        if not c["conn_max_age"]
        else f"a real server keeps it {c['conn_max_age']:g} s, so only now and then"
    )
    print(f"\nopening the database connection ({when}): {c['cpu_ms']:.2f} ms CPU, {c['wall_ms']:.2f} ms wall")
    top = result.get("pyinstrument")
    if isinstance(top, dict):
        print(f"\nfunctions by own time (pyinstrument; {top['text']})")
        for row in top["top_self"]:
            print(f"{row['ms_per_case']:>7.2f} ms  {row['function'][:90]}  <- {row['mostly_from'][:70]}")
    elif top:
        print(f"\npyinstrument: {top}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=5_000, help="open cases in the generated city (default 5 000)")
    parser.add_argument("--intakes", type=int, default=300, help="requests per pass (default 300)")
    parser.add_argument("--clients", type=int, default=16, help="clients for --load (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="web processes for --load (default 2, as the bench)")
    parser.add_argument(
        "--load", action="store_true", help="also drive civicdesk serve with the bench's load generator"
    )
    parser.add_argument("--no-inprocess", action="store_true", help="only the --load run")
    parser.add_argument("--plain-only", action="store_true", help="in-process: only the plain pass (time per case)")
    parser.add_argument("--data-dir", default="", help="keep the database here and reuse it (default: a temporary one)")
    parser.add_argument("--out", default="", help="where the pyinstrument profile goes (default: the data folder)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line too")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase == "inprocess":
        inprocess(args)
        return 0
    work = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="profile-intake-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        env, token = prepare(args, work)
        result: dict[str, Any] = {}
        if not args.no_inprocess:
            command = [sys.executable, str(Path(__file__).resolve()), "--phase", "inprocess", "--token", token]
            command += ["--intakes", str(args.intakes), "--out", args.out or str(work)]
            command += ["--plain-only"] if args.plain_only else []
            result = bench_cases.run_json(command, env)
        if args.load:
            bench_cases.log(f"civicdesk serve: {3 * args.intakes:,} intakes from {args.clients} clients")
            result["load"] = load(args, env, token, work)
        report(result)
        if args.json:
            print(json.dumps(result, default=str))
    finally:
        if not args.data_dir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
