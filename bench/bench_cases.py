"""Cases at city scale: intake through the staff API, the sweep, the case list — beside django-helpdesk 2.6.1.

Run: ``python bench/bench_cases.py`` (1 M cases, 10 k due, 5 000 intake requests; 75 minutes on a
busy 2-core machine, mostly bulk generation and load tests capped at ``--max-seconds``) or
``python bench/bench_cases.py --quick`` (20 k cases, 1 k due, 1 000 requests; about 13 minutes). ``--help`` lists the knobs. Benchmarks report numbers; nothing here asserts.

What it does, each database in its own temporary folder, every server on 127.0.0.1 only:

1. civicdesk on SQLite with the project's durable defaults (WAL, synchronous=FULL, IMMEDIATE), then on a
   throw-away PostgreSQL (``scripts/with_postgres.py``; that cluster runs with fsync=off) when its
   binaries are installed: migrate and load the demo city, bulk-insert N open cases (each with a
   journal of 2 hash-chained entries and 2 commitments) of which ``--due`` have a clock already due,
   time ``run_sweep()`` over them (journal rows and outbox rows included), then start
   ``civicdesk serve`` (gunicorn, 2 workers) and drive ``GET /api/v1/cases`` (page 1 and filtered
   pages) and ``POST /api/v1/cases`` (one ``Idempotency-Key`` each) with ``--clients`` keep-alive
   clients (``http.client`` threads in this process; their CPU time is printed, it is taken from the
   same 2 cores), noting the CPU the server's processes used. Then the two ceilings of
   ``bench/ceilings.py``, in the same run: a bare Django JSON view behind the same gunicorn set-up,
   driven the same way, and the database's durable commits/s for one intake's writes replayed with
   raw DB-API on scratch tables; intake and the list pages are printed as shares of them.
2. django-helpdesk 2.6.1 from PyPI in its own virtual environment (``--helpdesk-venv``, created on first
   use, never the project's .venv), in a minimal Django project made in a temporary folder (SQLite WAL,
   synchronous=FULL, IMMEDIATE; DRF token authentication; email to the dummy backend), served by
   gunicorn with the same worker model as ``civicdesk serve`` (2 gthread workers, 4 threads): tickets
   bulk-inserted (one follow-up each), ``escalate_tickets`` with ``--due`` tickets past their queue's
   escalation age, its ticket list (REST API, the staff list's data endpoint, the staff list page,
   the dashboard), and ticket creation through its REST API. Its REST list loads every ticket and
   runs a query per ticket (an N+1), so it is measured at ``--helpdesk-list-cases`` (100 k by
   default, as DESIGN.md quotes) and at N only when that is projected to finish in
   ``--slow-limit`` seconds; every figure prints the size it was measured at.

The civicdesk API may not be mounted in the project's settings yet; the bench then uses
``tests.api.settings_api`` (the API engineer's settings that add it) if it exists, else it skips
the API rows and says why.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from types import SimpleNamespace
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HELPDESK_VERSION = "2.6.1"
CSR = "csr.alex"  # the demo city's customer service representative: sees every department, creates cases
SERVICE_CODES = ("POTHOLE", "STREETLIGHT", "NOISE", "MISSED-COLLECTION", "TREE-PRUNE", "PARKING", "GRAFFITI", "DITCH")

# DESIGN.md "Quality bars" (civicdesk only; helpdesk figures are for scale).
TARGETS = {
    "intake_rate": ">= 500/s",
    "intake_p99": "<= 250 ms",
    "sweep_wall": "<= 5 s (10k/1M)",
    "list_rate": ">= 500/s",
    "list_p95": "<= 50 ms",
    "list_queries": "constant",
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def size_label(n: int) -> str:
    if n >= 1_000_000 and n % 100_000 == 0:
        return f"{n / 1_000_000:g}M"
    if n >= 1_000 and n % 100 == 0:
        return f"{n / 1_000:g}k"
    return str(n)


# --- load generation (stdlib only; traffic to 127.0.0.1 only) ------------------------------------------

Request = tuple[str, str, bytes | None, dict[str, str]]


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, math.ceil(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def drive(
    port: int,
    make: Callable[[int], Request],
    total: int,
    clients: int,
    timeout: float = 1800,
    max_seconds: float | None = None,
) -> dict[str, Any]:
    """``total`` requests from ``clients`` keep-alive connections (fewer if ``max_seconds`` runs out first)."""
    counter = itertools.count()
    deadline = time.monotonic() + max_seconds if max_seconds else None
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    samples: dict[str, str] = {}
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        mine: list[float] = []
        seen: Counter[str] = Counter()
        while True:
            i = next(counter)
            if i >= total or (deadline is not None and time.monotonic() > deadline):
                break
            method, path, body, headers = make(i)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                status = str(response.status)
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            except (OSError, http.client.HTTPException) as error:
                data, status = str(error).encode(), type(error).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            mine.append(time.perf_counter() - started)
            seen[status] += 1
            if not status.startswith("2") and status not in samples:
                with lock:
                    samples.setdefault(status, data[:300].decode(errors="replace"))
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(seen)

    cpu = time.process_time()
    started = time.perf_counter()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    latencies.sort()
    ok = sum(n for status, n in statuses.items() if status.startswith("2"))
    done = sum(statuses.values())
    return {
        "requests": done,
        "asked": total,
        "clients": clients,
        "ok": ok,
        "errors": done - ok,
        "statuses": dict(statuses),
        "error_samples": samples,
        "wall_s": wall,
        "rate": ok / wall if wall else 0.0,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "client_cpu_s": cpu,
    }


def drive_adaptive(
    port: int, make: Callable[[int], Request], total: int, clients: int, slow_limit: float, max_seconds: float
) -> dict[str, Any]:
    """Time a request first; a slow endpoint (> 0.5 s) gets a few sequential requests instead of a load test.

    A first request that has not answered after ``slow_limit`` seconds is given up (``timed_out``); the
    server thread may still be busy with it, so the caller restarts the server.
    """
    probe = drive(port, make, 1, 1, timeout=slow_limit)
    if probe["errors"]:
        if any("timeout" in status.lower() for status in probe["statuses"]):
            probe["timed_out"] = slow_limit
        return probe
    if probe["p50_ms"] / 1000 < 5:  # the first request of a process is cold: time two more
        probe = drive(port, make, 2, 1)
    one = probe["p50_ms"] / 1000
    if one > 0.5:
        count = max(1, min(3, int(slow_limit // max(one, 1e-9))))
        result = drive(port, make, count, 1)
        result["sequential"] = True
        return result
    drive(port, make, min(50, total), clients, max_seconds=30)  # warm both workers
    return drive(port, make, total, clients, max_seconds=max_seconds)


class Server:
    """A server process in its own session, so stopping it stops its gunicorn workers too."""

    def __init__(self, command: list[str], env: dict[str, str], logfile: Path, port: int, cwd: Path) -> None:
        self.port = port
        self.logfile = logfile
        self.out = logfile.open("wb")
        self.process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=self.out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, path: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited ({self.process.returncode}); see {self.logfile}:\n{self.tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path)
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server not answering on port {self.port} after {timeout:.0f} s:\n{self.tail()}")

    def tail(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.out.close()


def session_cpu_s(session: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of ``session``: a server and its workers.

    Linux ``/proc`` only (0.0 elsewhere). A server started by :class:`Server` leads its own session.
    """
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if int(fields[3]) == session:  # fields[0] is the state (field 3 of proc(5)): session is field 6
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def drive_measured(server: Server, *drive_args: Any, **drive_kwargs: Any) -> dict[str, Any]:
    """:func:`drive`, adding the CPU time the server's processes used meanwhile (``server_cpu_s``)."""
    before = session_cpu_s(server.process.pid)
    figure = drive(*drive_args, **drive_kwargs)
    figure["server_cpu_s"] = session_cpu_s(server.process.pid) - before
    return figure


def run_json(command: list[str], env: dict[str, str], cwd: Path = ROOT, timeout: float | None = None) -> dict[str, Any]:
    """Run a phase; its last stdout line is JSON. Progress goes to stderr, shown as it comes."""
    done = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.PIPE, text=True, timeout=timeout, check=False)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(command[:4])}… failed (exit {done.returncode}): {done.stdout[-2000:]}")
    return dict(json.loads(lines[-1]))


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result, default=str), flush=True)


# --- civicdesk: phases that run inside Django (project venv) -------------------------------------------


def setup_django() -> None:
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]  # this tree's code, even when the venv points at another checkout
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdesk.platform.settings")
    import django

    django.setup()


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class FastInsert:
    """``executemany`` straight into a model's table: Django's bulk_create spends most of its time preparing values.

    Rows are dicts of attribute names (``case_id``, not ``case``); columns left out get the field's default.
    Datetimes must be aware; they are stored the way Django stores them on each backend.
    """

    def __init__(self, model: Any, *, with_pk: bool = False) -> None:
        from django.db import connection

        self.connection = connection
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 — quoted names from the model, values bound
        self.copy_sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        self.defaults = {}
        for f in self.fields:
            if f.has_default():
                self.defaults[f.attname] = f.get_default()
            elif f.null:
                self.defaults[f.attname] = None
            elif f.get_internal_type() in ("CharField", "TextField", "SlugField", "EmailField"):
                self.defaults[f.attname] = ""
        self.json = {f.attname for f in self.fields if f.get_internal_type() == "JSONField"}
        self.sqlite = connection.vendor == "sqlite"

    def value(self, name: str, value: Any) -> Any:
        if isinstance(value, Enum):  # TextChoices: store the value, whatever the driver does with enums
            value = value.value
        if name in self.json:
            return json.dumps(value)
        if isinstance(value, datetime) and self.sqlite:
            return str(value.astimezone(UTC).replace(tzinfo=None))
        return value

    def __call__(self, rows: list[dict[str, Any]]) -> None:
        names = [f.attname for f in self.fields]
        values = []
        for row in rows:
            values.append(tuple(self.value(n, row[n] if n in row else self.defaults[n]) for n in names))
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":  # COPY: an order of magnitude faster than INSERTs
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row_values in values:
                        copy.write_row(row_values)
            else:
                cursor.executemany(self.sql, values)


class Profiler:
    """pyinstrument (sampling: file and line, little overhead) when installed, else cProfile (inflates ORM-heavy code)."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        try:
            from pyinstrument import Profiler as Sampling

            self.kind, self.impl = "pyinstrument", Sampling(interval=0.0005)
        except ImportError:
            import cProfile

            self.kind, self.impl = "cProfile", cProfile.Profile()

    def start(self) -> None:
        self.impl.start() if self.kind == "pyinstrument" else self.impl.enable()

    def stop(self) -> None:
        self.impl.stop() if self.kind == "pyinstrument" else self.impl.disable()

    def save(self) -> str:
        text = self.path.with_suffix(".txt")
        if self.kind == "pyinstrument":
            text.write_text(self.impl.output_text(unicode=False, color=False, show_all=False))
            self.path.with_suffix(".html").write_text(self.impl.output_html())
            return str(text)
        import pstats

        self.impl.dump_stats(str(self.path))
        with text.open("w") as out:
            stats = pstats.Stats(str(self.path), stream=out).strip_dirs()
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(25)
        return str(text)


def sweep_instant() -> datetime:
    """The latest instant, at most now, when Pickering's offices are open: staff messages are then released at once."""
    from civicdesk.domain.cases.clocks import profile_named

    calendar = profile_named("pickering").calendar
    instant = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for _ in range(24 * 14):
        if calendar.is_open(instant) and calendar.is_open(instant - timedelta(hours=1)):
            return instant
        instant -= timedelta(hours=1)
    raise RuntimeError("no business hour in the last two weeks")


def phase_civic_generate(args: argparse.Namespace) -> None:
    """Bulk-insert ``--cases`` open cases; ``--due`` of them have a clock due within the hour before the sweep instant."""
    setup_django()
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from civicdesk.domain.cases import journal
    from civicdesk.domain.cases.clocks import profile_for
    from civicdesk.domain.cases.models import (
        Action,
        Case,
        Commitment,
        CommitmentState,
        JournalEntry,
        Kind,
        Purpose,
        Status,
    )
    from civicdesk.domain.cases.references import check_digit
    from civicdesk.domain.city.models import Jurisdiction, Service
    from civicdesk.domain.staff.models import User

    started = time.perf_counter()
    now = sweep_instant()
    city = Jurisdiction.objects.get(slug="pickering")
    services = list(Service.objects.filter(jurisdiction=city).select_related("department").order_by("pk"))
    version = profile_for(city).calendar.version
    csr = User.objects.get(username=CSR)
    actor_label = journal.actor_label_for(csr, "resident")
    rng = random.Random(2026)
    total, due = args.cases, args.due
    due_every = max(1, total // max(due, 1))
    next_id = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    batch = 5_000
    made = made_due = 0
    kinds = (Kind.SERVICE_REQUEST, Kind.SERVICE_REQUEST, Kind.COMPLAINT, Kind.INQUIRY)
    channels = ("phone", "web", "email", "voicemail", "walk_in", "open311")
    log(f"generating {total:,} open cases ({due:,} with a clock due) before sweep instant {now.isoformat()}")
    insert_case = FastInsert(Case, with_pk=True)
    insert_commitment, insert_entry = FastInsert(Commitment), FastInsert(JournalEntry)
    ack_lines = {"lines": ["PK-ACK-1BD: acknowledge within 1 business day", "bench data"]}
    follow_lines = {"lines": ["PK-FOLLOW: follow up after two weeks", "bench data"]}
    while made < total:
        n = min(batch, total - made)
        cases, commitments, entries = [], [], []
        for k in range(n):
            i = made + k
            pk = next_id + i
            service = services[i % len(services)]
            is_due = made_due < due and i % due_every == 0
            due_kind = (made_due % 2) if is_due else None  # 0: acknowledgement missed, 1: follow-up request due
            if is_due:
                made_due += 1
            received = now - timedelta(days=1, seconds=rng.randrange(3_600, 25 * 86_400))
            if due_kind == 0:
                received = now - timedelta(days=1, seconds=rng.randrange(1, 3_600))
            body = str(10_000_000 + pk)
            reference = f"{body}{check_digit(body)}"
            kind = kinds[i % len(kinds)]
            channel = channels[i % len(channels)]
            acknowledged = None if due_kind == 0 else received + timedelta(hours=2)
            cases.append(
                {
                    "id": pk,
                    "jurisdiction_id": city.pk,
                    "reference": reference,
                    "kind": kind,
                    "channel": channel,
                    "service_id": service.pk,
                    "department_id": service.department_id,
                    "status": Status.OPEN,
                    "received_at": received,
                    "entered_at": received,
                    "routed_at": received,
                    "acknowledged_at": acknowledged,
                    "description": f"{service.name} reported near {rng.randrange(1, 2000)} Kingston Road (bench case {i}).",
                    "language": "en",
                    "updated_at": received,
                }
            )
            ack_due = (
                now - timedelta(seconds=rng.randrange(1, 3_600)) if due_kind == 0 else received + timedelta(days=1)
            )
            commitments.append(
                {
                    "jurisdiction_id": city.pk,
                    "case_id": pk,
                    "purpose": Purpose.ACKNOWLEDGE,
                    "standard": "PK-ACK-1BD",
                    "started_at": received,
                    "due_at": ack_due,
                    "state": CommitmentState.PENDING if due_kind == 0 else CommitmentState.MET,
                    "met_at": acknowledged,
                    "calendar_version": version,
                    "explanation": ack_lines,
                    "sequence": 0,
                }
            )
            follow_due = now + timedelta(seconds=rng.randrange(3_600, 14 * 86_400))
            if due_kind == 1:
                follow_due = now - timedelta(seconds=rng.randrange(1, 3_600))
            commitments.append(
                {
                    "jurisdiction_id": city.pk,
                    "case_id": pk,
                    "purpose": Purpose.FOLLOW_UP,
                    "standard": "PK-FOLLOW",
                    "started_at": received,
                    "due_at": follow_due,
                    "state": CommitmentState.PENDING,
                    "calendar_version": version,
                    "explanation": follow_lines,
                    "sequence": 1,
                }
            )
            # The clock summary the service functions keep (clocks.refresh): queues and filters read it.
            cases[-1]["next_due_at"] = min(
                c["due_at"] for c in commitments[-2:] if c["state"] == CommitmentState.PENDING
            )
            previous = journal.GENESIS
            for sequence, (action, data) in enumerate(
                (
                    (Action.CREATED, {"kind": kind, "channel": channel, "service": service.code}),
                    (Action.ROUTED, {"department": service.department.code, "from": None}),
                ),
                start=1,
            ):
                entry = SimpleNamespace(
                    jurisdiction_id=city.pk,
                    case_id=pk,
                    sequence=sequence,
                    at=received,
                    actor_id=csr.pk,
                    actor_label=actor_label,
                    action=str(action),
                    note="",
                    public=True,
                    data=data,
                    previous_hash=previous,
                )
                entry.hash = journal.entry_hash(entry, reference)  # type: ignore[arg-type]
                previous = entry.hash
                entries.append(vars(entry))
        with transaction.atomic():
            insert_case(cases)
            insert_commitment(commitments)
            insert_entry(entries)
        made += n
        if made % 100_000 == 0 or made == total:
            rate = made / (time.perf_counter() - started)
            log(f"  {made:,} cases ({rate:,.0f}/s)")
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Case, Commitment, JournalEntry]):
            cursor.execute(sql)
    # What the worker does when it starts and every 6 hours (PostgreSQL's autovacuum too, after a bulk load).
    from civicdesk.platform.worker.jobs import refresh_query_statistics

    refresh_query_statistics()
    emit(
        {
            "generate_s": time.perf_counter() - started,
            "cases": total,
            "due": made_due,
            "now": now.isoformat(),
            "rows": total * 5,
        }
    )


def phase_civic_sweep(args: argparse.Namespace) -> None:
    setup_django()
    from django.db import connection

    from civicdesk.domain.cases.models import Commitment, CommitmentState, FollowUpRequest, JournalEntry
    from civicdesk.domain.cases.sweep import run_sweep
    from civicdesk.domain.outbox.models import OutboxMessage
    from civicdesk.platform import timesource

    now = datetime.fromisoformat(args.now)

    def counts() -> dict[str, int]:
        return {
            "journal": JournalEntry.objects.count(),
            "outbox": OutboxMessage.objects.count(),
            "follow_up_requests": FollowUpRequest.objects.count(),
            "due_pending": Commitment.objects.filter(state=CommitmentState.PENDING, due_at__lte=now).count(),
        }

    before = counts()
    log(f"sweep over {before['due_pending']:,} due clocks ({connection.vendor})")
    queries = QueryCounter()
    profiler = Profiler(args.profile_out) if args.profile_out else None
    with timesource.frozen_at(now), connection.execute_wrapper(queries):
        started, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.start()
        report = run_sweep(now=now)
        if profiler:
            profiler.stop()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    after = counts()
    result = {
        "wall_s": wall,
        "cpu_s": cpu,
        "due": before["due_pending"],
        "steps": report.steps,
        "breaches": report.breaches,
        "follow_up_requests": report.follow_up_requests,
        "released": report.messages_released,
        "claimed_elsewhere": report.claimed_elsewhere,
        "queries": queries.count,
        "journal_added": after["journal"] - before["journal"],
        "outbox_added": after["outbox"] - before["outbox"],
        "left_due": after["due_pending"],
        "profiled": bool(profiler),
    }
    if profiler:
        result["profile"] = profiler.save()
    emit(result)


def phase_civic_queries(args: argparse.Namespace) -> None:
    """Queries per request, counted in-process with Django's test client against the same database."""
    setup_django()
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {args.token}"}
    client.get("/api/v1/cases?page_size=1", **headers)  # the first request of a process pays for imports and URL set-up
    result: dict[str, Any] = {}
    for name, path in json.loads(args.paths).items():
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            response = client.get(path, **headers)
            elapsed = time.perf_counter() - started
        result[name] = {"queries": counter.count, "status": response.status_code, "ms": elapsed * 1000}
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        response = client.post(
            "/api/v1/cases",
            data=json.dumps(intake_body(0)),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
            **headers,
        )
    result["intake"] = {"queries": counter.count, "status": response.status_code}
    emit(result)


def phase_civic_desk_session(args: argparse.Namespace) -> None:
    """Signed-in desk sessions (as the sign-in page makes them), and each desk page's queries in-process."""
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from civicdesk.domain.staff.models import User

    result: dict[str, Any] = {"cookies": {}}
    clients: dict[str, Client] = {}
    for name, (username, path) in json.loads(args.paths).items():
        client = clients.get(username)
        if client is None:
            client = clients[username] = Client(HTTP_HOST="127.0.0.1")
            client.force_login(User.objects.get(username=username))
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            result["cookies"][username] = f"{settings.SESSION_COOKIE_NAME}={cookie}"
            client.get(path)  # a process's first page pays for imports and template loading
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
        result[name] = {"queries": counter.count, "status": response.status_code, "ms": elapsed * 1000}
    emit(result)


def phase_civic_commit_ceiling(args: argparse.Namespace) -> None:
    """The database's durable commits/s for intake's writes (bench/ceilings.py)."""
    setup_django()
    import ceilings

    emit(ceilings.commit_ceiling(token=args.token, intake_body=intake_body))


def intake_body(i: int) -> dict[str, Any]:
    kind = ("service_request", "complaint", "service_request", "inquiry")[i % 4]
    body: dict[str, Any] = {
        "kind": kind,
        "channel": ("phone", "web", "email", "walk_in")[i % 4],
        "service": SERVICE_CODES[i % len(SERVICE_CODES)],
        "description": f"Reported by phone: problem {i} near {100 + i % 900} Kingston Road, getting worse since Monday.",
        "address": f"{100 + i % 900} Kingston Road",
        "contact": {"name": f"Resident {i}", "email": f"resident{i}@example.org", "phone": "905-555-0100"},
    }
    if kind == "complaint":
        body.update(
            occurred_at="2026-01-05T09:30:00-05:00",
            people_involved="crew on site",
            outcome_sought="repair it",
        )
    if kind == "inquiry":
        body.pop("service")
    return body


# --- civicdesk: the orchestrator for one database --------------------------------------------------------


def probe_api_settings() -> tuple[str | None, str]:
    """Which settings module serves /api/v1/ (the project's, or the API engineer's scratch settings), or why none."""
    code = (
        "import django,sys; django.setup();"
        "from django.conf import settings; from django.urls import resolve, Resolver404;"
        "ok='civicdesk.channels.api' in settings.INSTALLED_APPS\n"
        "try: resolve('/api/v1/cases')\n"
        "except Resolver404: ok=False\n"
        "print('yes' if ok else 'no')"
    )
    tmp = tempfile.mkdtemp(prefix="bench-cases-probe-")
    try:
        candidates = ["civicdesk.platform.settings"]
        if (ROOT / "tests" / "api" / "settings_api.py").exists():
            candidates.append("tests.api.settings_api")
        for module in candidates:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": module,
                "CIVICDESK_DATA_DIR": tmp,
                "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
            }
            env.pop("DATABASE_URL", None)
            done = subprocess.run(
                [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=False
            )
            if done.returncode == 0 and done.stdout.strip().endswith("yes"):
                return (
                    module,
                    ""
                    if module == "civicdesk.platform.settings"
                    else "API not in civicdesk.platform.settings yet: used tests.api.settings_api",
                )
        return None, "no /api/v1/ in civicdesk.platform.settings and no tests/api/settings_api.py: API rows skipped"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# The staff desk's queue pages (DESIGN.md: "staff queue and API list ≥ 500 req/s and p95 ≤ 50 ms").
DESK_PATHS = {  # name: (who is signed in, page)
    "desk_care": (CSR, "/desk/queue/care/"),
    "desk_breached": (CSR, "/desk/queue/care/?state=breached"),
    "desk_department": ("staff.roads", "/desk/queue/department/"),
}
LIST_PATHS = {
    "list_page1": "/api/v1/cases?page=1",
    "list_dept": "/api/v1/cases?department=roads&status=open&page=1",
    "list_overdue": "/api/v1/cases?overdue=true&page=1",
}


def civic_all(args: argparse.Namespace) -> None:
    """Everything for civicdesk on one database (DATABASE_URL if given, else a new SQLite file); prints JSON."""
    work = Path(tempfile.mkdtemp(prefix=f"bench-cases-{args.label}-"))
    result: dict[str, Any] = {"label": args.label}
    server: Server | None = None
    try:
        env = {
            **os.environ,
            "CIVICDESK_DATA_DIR": str(work),
            "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
            "LOG_LEVEL": "WARNING",
        }
        env.setdefault("DATABASE_URL", f"sqlite:///{work / 'civicdesk.sqlite3'}")
        env["DJANGO_SETTINGS_MODULE"] = args.settings or "civicdesk.platform.settings"
        civicdesk = [sys.executable, "-m", "civicdesk"]
        log(f"[{args.label}] migrate and load the demo city")
        subprocess.run([*civicdesk, "demo", "--load-only"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        me = [sys.executable, str(Path(__file__).resolve())]
        generated = run_json(
            [*me, "--phase", "civic-generate", "--cases", str(args.cases), "--due", str(args.due)], env
        )
        result["generate"] = generated
        log(f"[{args.label}] generated {args.cases:,} cases in {generated['generate_s']:.0f} s")
        sweep_args = [*me, "--phase", "civic-sweep", "--now", generated["now"]]
        if args.profile:
            sweep_args += ["--profile-out", str(Path(args.profile_dir) / f"sweep-{args.label}.prof")]
        result["sweep"] = run_json(sweep_args, env)
        log(f"[{args.label}] sweep: {result['sweep']['wall_s']:.2f} s for {result['sweep']['due']:,} due clocks")
        if not args.settings:
            result["api_skipped"] = args.api_reason
            emit(result)
            return
        try:
            # The tree may have gained a migration while the data was generated (a shared working copy).
            subprocess.run([*civicdesk, "manage", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
            token_out = subprocess.run(
                [*civicdesk, "manage", "create_api_token", CSR],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            token = token_out.stdout.strip().splitlines()[-1].strip()
            port = free_port()
            serve_command = [*civicdesk, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
            server = Server(serve_command, env, work / "server.log", port, ROOT)
            server.wait_ready("/healthz")
            auth = {"Authorization": f"Bearer {token}", "Host": f"127.0.0.1:{port}"}
            try:
                result["queries"] = run_json(
                    [*me, "--phase", "civic-queries", "--token", token, "--paths", json.dumps(LIST_PATHS)],
                    env,
                    timeout=max(600, 5 * args.slow_limit),
                )
            except subprocess.TimeoutExpired:
                result["queries"] = {}
                log(f"[{args.label}] query counts: gave up after {max(600, 5 * args.slow_limit):.0f} s")
            for name, path in LIST_PATHS.items():
                log(f"[{args.label}] GET {path}: {args.list_requests:,} requests, {args.clients} clients")
                result[name] = drive_adaptive(
                    port,
                    lambda i, p=path: ("GET", p, None, auth),
                    args.list_requests,
                    args.clients,
                    args.slow_limit,
                    args.max_seconds,
                )
                if result[name].get("timed_out"):
                    log(f"[{args.label}] {path}: no answer in {args.slow_limit:.0f} s; restarting the server")
                    server.stop()
                    server = Server(serve_command, env, work / "server.log", port, ROOT)
                    server.wait_ready("/healthz")
            desk = run_json([*me, "--phase", "civic-desk-session", "--paths", json.dumps(DESK_PATHS)], env)
            cookies = desk.pop("cookies")
            result["queries"].update(desk)
            for name, (username, path) in DESK_PATHS.items():
                log(f"[{args.label}] GET {path} as {username}: {args.list_requests:,} requests, {args.clients} clients")
                headers = {"Cookie": cookies[username], "Host": f"127.0.0.1:{port}"}
                result[name] = drive_adaptive(
                    port,
                    lambda i, p=path, h=headers: ("GET", p, None, h),
                    args.list_requests,
                    args.clients,
                    args.slow_limit,
                    args.max_seconds,
                )
            log(f"[{args.label}] POST /api/v1/cases: {args.requests:,} requests, {args.clients} clients")
            run_id = uuid.uuid4().hex[:8]

            def intake(i: int) -> Request:
                headers = {**auth, "Content-Type": "application/json", "Idempotency-Key": f"bench-{run_id}-{i}"}
                return ("POST", "/api/v1/cases", json.dumps(intake_body(i)).encode(), headers)

            result["intake"] = drive_measured(
                server, port, intake, args.requests, args.clients, max_seconds=args.max_seconds
            )
            server.stop()
            server = None
            result["bare_view"] = bare_view_ceiling(args, env, work)
            log(f"[{args.label}] durable commits/s for intake's writes (scratch tables)")
            result["commit_ceiling"] = run_json([*me, "--phase", "civic-commit-ceiling", "--token", token], env)
        except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
            result["api_skipped"] = f"API part failed: {str(error)[:600]}"
            log(f"[{args.label}] {result['api_skipped']}")
        if server is not None:
            server.stop()
            server = None
        emit(result)
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            log(f"[{args.label}] kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def bare_view_ceiling(args: argparse.Namespace, env: dict[str, str], work: Path) -> dict[str, Any]:
    """The bare Django JSON view (bench/ceilings.py) behind ``civicdesk serve``'s gunicorn set-up, driven like intake."""
    port = free_port()
    command = [sys.executable, str(HERE / "ceilings.py"), "serve-bare", "--port", str(port), "--workers", "2"]
    server = Server(command, env, work / "bare-server.log", port, ROOT)
    try:
        server.wait_ready("/bare/")
        total = max(2_000, args.requests)
        headers = {"Host": f"127.0.0.1:{port}", "Content-Type": "application/json"}
        log(f"[{args.label}] bare Django JSON view: {total:,} requests, {args.clients} clients")

        def bare(i: int) -> Request:
            return ("POST", "/bare/", json.dumps(intake_body(i)).encode(), headers)

        drive(port, bare, 200, args.clients)  # warm both workers
        return drive_measured(server, port, bare, total, args.clients, max_seconds=args.max_seconds)
    finally:
        server.stop()


# --- django-helpdesk ----------------------------------------------------------------------------------------

HD_SETTINGS = """
import os
SECRET_KEY = "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "rest_framework.authtoken", "helpdesk",
]
SITE_ID = 1
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "hdbench.urls"
WSGI_APPLICATION = "hdbench.wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
# The same durable SQLite settings civicdesk uses by default.
DATABASES = {"default": {
    "ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["HDBENCH_DB"],
    "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
                "transaction_mode": "IMMEDIATE", "timeout": 60},
}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
HELPDESK_API_ENABLED = True
HELPDESK_TEAMS_MODE_ENABLED = False
# A token per request, like civicdesk's bearer tokens (DRF's default Basic auth would hash a password per request).
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": [
    "rest_framework.authentication.TokenAuthentication",
    "rest_framework.authentication.SessionAuthentication",
]}
LOGIN_URL = "/helpdesk/login/"
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"console": {"class": "logging.StreamHandler"}}, "root": {"handlers": ["console"], "level": "WARNING"}}
"""
HD_URLS = 'from django.urls import include, path\nurlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]\n'
HD_WSGI = (
    "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'hdbench.settings')\n"
    "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"
)


def ensure_helpdesk_venv(venv: Path) -> tuple[Path | None, str]:
    python = venv / "bin" / "python"
    check = [
        str(python),
        "-c",
        "import gunicorn, helpdesk; from importlib.metadata import version; print(version('django-helpdesk'))",
    ]

    def installed() -> bool:
        done = subprocess.run(check, capture_output=True, text=True, check=False) if python.exists() else None
        return bool(done and done.returncode == 0 and done.stdout.strip() == HELPDESK_VERSION)

    if installed():
        return python, ""
    log(f"installing django-helpdesk {HELPDESK_VERSION} and gunicorn into {venv} (not the project's .venv)")
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"django-helpdesk=={HELPDESK_VERSION}", "gunicorn"],
            check=True,
            timeout=900,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        return None, f"could not install django-helpdesk {HELPDESK_VERSION} into {venv}: {error}"
    return (python, "") if installed() else (None, "django-helpdesk installed but does not import")


def phase_hd_setup(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from helpdesk.models import Queue
    from rest_framework.authtoken.models import Token

    user = get_user_model().objects.create_superuser("bench", "bench@example.org", "bench-password-not-used")
    token = Token.objects.create(user=user)
    queue = Queue.objects.create(
        title="Roads", slug="roads", escalate_days=7, email_address="roads@example.org", allow_public_submission=True
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    emit({"token": token.key, "queue": queue.pk, "session": session.session_key, "user": user.pk})


def phase_hd_generate(args: argparse.Namespace) -> None:
    """Bulk-insert tickets up to ``--cases`` in total, one follow-up each; ``--due`` of the first ones are past escalation age."""
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone
    from helpdesk.models import FollowUp, Queue, Ticket

    started = time.perf_counter()
    queue = Queue.objects.get(slug="roads")
    now = timezone.now()
    rng = random.Random(2026)
    have = Ticket.objects.count()
    have_due = Ticket.objects.filter(created__lt=now - timedelta(days=8)).count()
    next_id = (Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    total, due = args.cases, args.due
    batch = 5_000
    made = have
    insert_ticket, insert_followup = FastInsert(Ticket, with_pk=True), FastInsert(FollowUp)
    log(f"helpdesk: generating tickets {have:,} -> {total:,} ({due:,} past escalation age)")
    while made < total:
        n = min(batch, total - made)
        tickets, followups = [], []
        for k in range(n):
            i = made + k
            is_due = have_due < due and i % max(1, args.due_every) == 0
            if is_due:
                have_due += 1
                created = now - timedelta(days=8, seconds=rng.randrange(1, 20 * 86_400))
            else:
                created = now - timedelta(seconds=rng.randrange(60, 6 * 86_400))
            pk = next_id + (i - have)
            description = f"Pothole reported near Kingston Road (bench ticket {i})."
            tickets.append(
                {
                    "id": pk,
                    "title": f"Pothole near {rng.randrange(1, 2000)} Kingston Road",
                    "queue_id": queue.pk,
                    "created": created,
                    "modified": created,
                    "submitter_email": f"resident{i}@example.org",
                    "status": Ticket.OPEN_STATUS,
                    "on_hold": False,
                    "description": description,
                    "priority": 3,
                    "secret_key": uuid.uuid4().hex[:36],
                }
            )
            followups.append(
                {"ticket_id": pk, "date": created, "title": "Ticket Opened", "comment": description, "public": True}
            )
        with transaction.atomic():
            insert_ticket(tickets)
            insert_followup(followups)
        made += n
        if made % 100_000 == 0 or made == total:
            log(f"  {made:,} tickets ({(made - have) / (time.perf_counter() - started):,.0f}/s)")
    emit({"generate_s": time.perf_counter() - started, "tickets": made, "due": have_due})


def phase_hd_escalate(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from helpdesk.models import FollowUp

    before = FollowUp.objects.count()
    queries = QueryCounter()
    with connection.execute_wrapper(queries):
        started, cpu = time.perf_counter(), time.process_time()
        call_command("escalate_tickets")
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    escalated = FollowUp.objects.count() - before
    emit({"wall_s": wall, "cpu_s": cpu, "escalated": escalated, "queries": queries.count})


def phase_hd_queries(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = args.session
    result: dict[str, Any] = {}
    for name, path in json.loads(args.paths).items():
        counter = QueryCounter()
        headers = {"HTTP_AUTHORIZATION": f"Token {args.token}"} if "/api/" in path else {}
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            response = client.get(path, **headers)
            elapsed = time.perf_counter() - started
        result[name] = {"queries": counter.count, "status": response.status_code, "ms": elapsed * 1000}
    emit(result)


def helpdesk_all(args: argparse.Namespace) -> dict[str, Any]:
    python, reason = ensure_helpdesk_venv(Path(args.helpdesk_venv))
    if python is None:
        return {"skipped": reason}
    work = Path(tempfile.mkdtemp(prefix="bench-cases-helpdesk-"))
    result: dict[str, Any] = {}
    server: Server | None = None
    try:
        (work / "hdbench").mkdir()
        (work / "hdbench" / "__init__.py").write_text("")
        (work / "hdbench" / "settings.py").write_text(HD_SETTINGS)
        (work / "hdbench" / "urls.py").write_text(HD_URLS)
        (work / "hdbench" / "wsgi.py").write_text(HD_WSGI)
        env = {
            **os.environ,
            "HDBENCH_DB": str(work / "helpdesk.sqlite3"),
            "DJANGO_SETTINGS_MODULE": "hdbench.settings",
            "PYTHONPATH": str(work),
            "PYTHONWARNINGS": "ignore::RuntimeWarning",  # its dashboard compares naive datetimes; noise here
        }
        env.pop("DATABASE_URL", None)
        log("helpdesk: migrate")
        subprocess.run([str(python), "-m", "django", "migrate", "-v", "0"], env=env, cwd=work, check=True)
        me = [str(python), str(Path(__file__).resolve())]
        setup = run_json([*me, "--phase", "hd-setup"], env, cwd=work)
        list_size = min(args.cases, args.helpdesk_list_cases)
        due_every = max(1, list_size // max(args.due, 1))
        gen = [*me, "--phase", "hd-generate", "--due", str(args.due), "--due-every", str(due_every)]
        generated = run_json([*gen, "--cases", str(list_size)], env, cwd=work)
        port = free_port()

        def start() -> Server:
            srv = Server(
                [
                    str(python),
                    "-m",
                    "gunicorn",
                    "hdbench.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--worker-class",
                    "gthread",
                    "--threads",
                    "4",
                    "--timeout",
                    "1800",
                    "--keep-alive",
                    "5",
                    "--access-logfile",
                    "-",
                    "--error-logfile",
                    "-",
                ],
                env,
                work / "gunicorn.log",
                port,
                work,
            )
            srv.wait_ready("/helpdesk/")
            return srv

        from base64 import b64encode

        b64 = b64encode(
            json.dumps(
                {"filtering": {"status__in": [1, 2]}, "sorting": "created", "search_string": "", "sortreverse": False}
            ).encode()
        ).decode()
        paths = {
            "api_list": "/helpdesk/api/tickets/?page=1",
            "list_data": f"/helpdesk/datatables_ticket_list/{b64}?draw=1&start=0&length=25",
            "list_page": "/helpdesk/tickets/",
            "dashboard": "/helpdesk/dashboard/",
        }
        token_headers = {"Authorization": f"Token {setup['token']}", "Host": f"127.0.0.1:{port}"}
        session_headers = {"Cookie": f"sessionid={setup['session']}", "Host": f"127.0.0.1:{port}"}

        def measure_lists(size: int, names: list[str]) -> None:
            sub = {name: paths[name] for name in names}
            log(f"helpdesk: query counts at {size_label(size)} tickets ({', '.join(names)})")
            counted = run_json(
                [
                    *me,
                    "--phase",
                    "hd-queries",
                    "--token",
                    setup["token"],
                    "--session",
                    setup["session"],
                    "--paths",
                    json.dumps(sub),
                ],
                env,
                cwd=work,
            )
            for name, path in sub.items():
                log(f"helpdesk: GET {path[:60]} at {size_label(size)} tickets")
                headers = token_headers if "/api/" in path else session_headers
                figure = drive_adaptive(
                    port,
                    lambda i, p=path, h=headers: ("GET", p, None, h),
                    args.list_requests,
                    args.clients,
                    args.slow_limit,
                    args.max_seconds,
                )
                figure.update(size=size, queries=counted[name]["queries"], inprocess_ms=counted[name]["ms"])
                result.setdefault(name, {})[size] = figure

        server = start()
        measure_lists(list_size, list(paths))
        if args.cases > list_size:
            server.stop()
            server = None
            more = run_json([*gen, "--cases", str(args.cases)], env, cwd=work)
            generated["generate_s"] += more["generate_s"]
            server = start()
            names = ["list_data", "list_page", "dashboard"]
            api_at_small = result["api_list"][list_size]
            projected = api_at_small["p50_ms"] / 1000 * args.cases / list_size
            result["api_list_projected_s"] = {"size": args.cases, "seconds": projected}
            if projected <= args.slow_limit:
                names.insert(0, "api_list")
            else:
                log(
                    f"helpdesk: API list at {size_label(args.cases)} projected {projected:.0f} s per request: not measured"
                )
            measure_lists(args.cases, names)
        result["generate"] = {"generate_s": generated["generate_s"], "tickets": args.cases}
        server.stop()
        server = None
        log(f"helpdesk: escalate_tickets over {args.cases:,} tickets ({args.due:,} due)")
        result["escalate"] = run_json([*me, "--phase", "hd-escalate"], env, cwd=work)
        result["escalate"]["size"] = args.cases
        server = start()
        log(f"helpdesk: POST /helpdesk/api/tickets/: {args.requests:,} requests, {args.clients} clients")

        def create(i: int) -> Request:
            body = {
                "queue": setup["queue"],
                "title": f"Pothole near {100 + i % 900} Kingston Road",
                "description": f"Reported by phone: problem {i} near {100 + i % 900} Kingston Road, getting worse since Monday.",
                "submitter_email": f"resident{i}@example.org",
                "priority": 3,
            }
            return (
                "POST",
                "/helpdesk/api/tickets/",
                json.dumps(body).encode(),
                {**token_headers, "Content-Type": "application/json"},
            )

        result["create"] = drive_measured(
            server, port, create, args.requests, args.clients, max_seconds=args.max_seconds
        )
        result["create"]["size"] = args.cases
        server.stop()
        server = None
        return result
    except (RuntimeError, subprocess.CalledProcessError) as error:
        result["skipped"] = f"helpdesk run failed: {error}"
        return result
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            log(f"helpdesk: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


# --- the table ---------------------------------------------------------------------------------------------------


def intake_against_helpdesk(civic: dict[str, Any] | None, helpdesk: dict[str, Any] | None) -> str:
    """Intake's rate over helpdesk's, and helpdesk's server CPU per ticket over civicdesk's per case.

    On a machine shared with other work the rates move with whatever else runs, and both load tests
    do not run in the same seconds; the CPU each server spent per request moves far less, so the
    second ratio says what one case costs against one ticket.
    """
    if not civic or not helpdesk or not civic.get("ok") or not helpdesk.get("ok") or not helpdesk.get("rate"):
        return "-"
    rate = f"{civic['rate'] / helpdesk['rate']:.1f}x"
    if civic.get("server_cpu_s") and helpdesk.get("server_cpu_s"):
        per_case = civic["server_cpu_s"] / civic["ok"]
        per_ticket = helpdesk["server_cpu_s"] / helpdesk["ok"]
        return f"{rate}, {per_ticket / per_case:.1f}x"
    return rate


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None or value != value:
        return "-"
    return f"{value:,.{digits}f}"


def print_table(
    args: argparse.Namespace, civic: dict[str, dict[str, Any]], hd: dict[str, Any], notes: list[str]
) -> None:
    labels = list(civic)
    columns = [f"civicdesk {label}" for label in labels] + [f"helpdesk {HELPDESK_VERSION}", "target (civicdesk)"]
    rows: list[tuple[str, list[str], str]] = []
    size = size_label(args.cases)

    def cell(label: str, *keys: str, digits: int = 0, suffix: str = "") -> str:
        value: Any = civic[label]
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return "-"
            value = value[key]
        return fmt(value, digits) + suffix if isinstance(value, (int, float)) else str(value)

    def load_note(figure: dict[str, Any]) -> str:
        bits = []
        if figure.get("timed_out"):
            return f" (no answer in {figure['timed_out']:.0f} s)"
        if figure.get("sequential"):
            bits.append(f"{figure['requests']} seq.")
        elif figure.get("asked") and figure["requests"] < figure["asked"]:
            bits.append(f"n={figure['requests']:,}, time cap")
        if figure.get("errors"):
            bits.append(f"{figure['errors']} errors")
        return f" ({', '.join(bits)})" if bits else ""

    def civ_load(key: str, metric: str, digits: int = 0) -> list[str]:
        out = []
        for label in labels:
            figure = civic[label].get(key)
            out.append(fmt(figure[metric], digits) + (load_note(figure) if metric == "rate" else "") if figure else "-")
        return out

    def hd_load(key: str, metric: str, size: int | None = None, digits: int = 0) -> str:
        figure = hd.get(key)
        if not figure:
            return "-"
        if size is None and isinstance(figure, dict) and all(isinstance(k, int) for k in figure):
            parts = []
            for at, one in sorted(figure.items()):
                parts.append(
                    f"{fmt(one[metric], digits)}{load_note(one) if metric == 'rate' else ''} @{size_label(at)}"
                )
            return "; ".join(parts)
        return fmt(figure[metric], digits) + (load_note(figure) if metric == "rate" else "")

    def server_cpu(label: str, key: str) -> str:
        figure = civic[label].get(key)
        if not figure or figure.get("server_cpu_s") is None or not figure.get("ok"):
            return "-"
        return fmt(figure["server_cpu_s"] * 1000 / figure["ok"], 1)

    def commit_ceiling(label: str) -> str:
        figure = civic[label].get("commit_ceiling")
        if not figure:
            return "-"
        writes = " + ".join(f"{n} {kind}" for kind, n in sorted(figure["writes"].items()))
        return f"{fmt(figure['rate'])} ({writes})"

    def share(label: str, key: str, ceiling: str) -> str:
        figure, limit = civic[label].get(key), civic[label].get(ceiling)
        if not figure or not limit or not limit.get("rate"):
            return "-"
        return f"{figure['rate'] / limit['rate']:.0%}"

    def hd_inprocess(key: str) -> str:
        figure = hd.get(key)
        if not figure:
            return "-"
        return "; ".join(f"{one['inprocess_ms']:,.1f} @{size_label(at)}" for at, one in sorted(figure.items()))

    def hd_queries(key: str) -> str:
        figure = hd.get(key)
        if not figure:
            return "-"
        return "; ".join(f"{one['queries']:,} @{size_label(at)}" for at, one in sorted(figure.items()))

    hd_create = hd.get("create")
    rows.append(
        (
            "intake via API: cases/s",
            civ_load("intake", "rate"),
            hd_load("create", "rate") + (f" @{size_label(hd_create['size'])}" if hd_create else ""),
            TARGETS["intake_rate"],
        )
    )
    rows.append(("intake via API: p50 ms", civ_load("intake", "p50_ms", 1), hd_load("create", "p50_ms", digits=1), ""))
    rows.append(
        (
            "intake via API: p99 ms",
            civ_load("intake", "p99_ms", 1),
            hd_load("create", "p99_ms", digits=1),
            TARGETS["intake_p99"],
        )
    )
    rows.append(
        ("intake: queries per case", [cell(label, "queries", "intake", "queries") for label in labels], "-", "")
    )
    hd_cpu = (
        fmt(hd_create["server_cpu_s"] * 1000 / hd_create["ok"], 1)
        if hd_create and hd_create.get("server_cpu_s") is not None and hd_create.get("ok")
        else "-"
    )
    rows.append(("intake: server CPU ms per case", [server_cpu(label, "intake") for label in labels], hd_cpu, ""))
    rows.append(
        (
            "intake: cases/s, server CPU per case: civicdesk / helpdesk",
            [intake_against_helpdesk(civic[label].get("intake"), hd_create) for label in labels],
            "",
            ">= 3x",
        )
    )
    rows.append(
        (
            "ceiling: durable commits/s, intake's writes",
            [commit_ceiling(label) for label in labels],
            "",
            "",
        )
    )
    rows.append(("ceiling: bare Django JSON view req/s", civ_load("bare_view", "rate"), "", ""))
    rows.append(("  server CPU ms per request", [server_cpu(label, "bare_view") for label in labels], "", ""))
    rows.append(
        (
            "intake: share of commit / bare-view ceiling",
            [f"{share(label, 'intake', 'commit_ceiling')} / {share(label, 'intake', 'bare_view')}" for label in labels],
            "",
            "",
        )
    )
    esc = hd.get("escalate")
    rows.append(
        (
            f"sweep / escalate_tickets: s ({size_label(args.due)} due)",
            [cell(label, "sweep", "wall_s", digits=2) + f" @{size}" for label in labels],
            f"{fmt(esc['wall_s'], 2)} @{size_label(esc['size'])}" if esc else "-",
            TARGETS["sweep_wall"],
        )
    )
    rows.append(
        (
            "  ms per due clock / escalation",
            [
                fmt(civic[label]["sweep"]["wall_s"] * 1000 / max(civic[label]["sweep"]["due"], 1), 2)
                if "sweep" in civic[label]
                else "-"
                for label in labels
            ],
            fmt(esc["wall_s"] * 1000 / max(esc["escalated"], 1), 2) if esc else "-",
            "<= 0.5",
        )
    )
    rows.append(
        (
            "  CPU s of the sweeping process",
            [cell(label, "sweep", "cpu_s", digits=2) for label in labels],
            fmt(esc["cpu_s"], 2) if esc else "-",
            "",
        )
    )
    rows.append(
        (
            "  queries per due clock / escalation",
            [
                fmt(civic[label]["sweep"]["queries"] / max(civic[label]["sweep"]["due"], 1), 1)
                if "sweep" in civic[label]
                else "-"
                for label in labels
            ],
            fmt(esc["queries"] / max(esc["escalated"], 1), 1) if esc else "-",
            "",
        )
    )
    rows.append(
        (
            "  journal + outbox rows written",
            [f"{cell(label, 'sweep', 'journal_added')} + {cell(label, 'sweep', 'outbox_added')}" for label in labels],
            f"{esc['escalated']:,} follow-ups" if esc else "-",
            "",
        )
    )
    rows.append(
        (
            "bulk generation: s",
            [cell(label, "generate", "generate_s") + f" @{size}" for label in labels],
            f"{fmt(hd['generate']['generate_s'])} @{size_label(hd['generate']['tickets'])}"
            if hd.get("generate")
            else "-",
            "",
        )
    )
    for key, title, hd_key in (
        ("list_page1", "API list page 1", "api_list"),
        ("list_dept", "API list dept+status", "list_data"),
        ("list_overdue", "API list overdue", None),
        ("desk_care", "desk queue (Customer Care)", "list_page"),
        ("desk_breached", "desk queue, breached", None),
        ("desk_department", "desk queue (roads department)", None),
    ):
        hd_title = {"api_list": "REST list", "list_data": "staff list data", "list_page": "staff list page"}.get(
            hd_key or "", ""
        )
        rows.append(
            (
                f"{title}: req/s",
                [v + f" @{size}" if v != "-" else v for v in civ_load(key, "rate")],
                (f"[{hd_title}] " + hd_load(hd_key, "rate")) if hd_key else "",
                TARGETS["list_rate"],
            )
        )
        rows.append(
            (
                f"{title}: p95 ms",
                civ_load(key, "p95_ms", 1),
                hd_load(hd_key, "p95_ms", digits=1) if hd_key else "",
                TARGETS["list_p95"],
            )
        )
        rows.append(
            (
                f"{title}: ms in-process (1 request)",
                [cell(label, "queries", key, "ms", digits=1) for label in labels],
                hd_inprocess(hd_key) if hd_key else "",
                "",
            )
        )
        rows.append(
            (
                f"{title}: queries/request",
                [cell(label, "queries", key, "queries") for label in labels],
                hd_queries(hd_key) if hd_key else "",
                TARGETS["list_queries"],
            )
        )
        rows.append(
            (f"{title}: share of bare-view ceiling", [share(label, key, "bare_view") for label in labels], "", "")
        )
    for key, title in (("dashboard", "helpdesk dashboard"),):
        if hd.get(key):
            rows.append((f"{title}: p95 ms", ["" for _ in labels], hd_load(key, "p95_ms", digits=1), ""))
            rows.append((f"{title}: queries/request", ["" for _ in labels], hd_queries(key), ""))
    if hd.get("api_list_projected_s"):
        p = hd["api_list_projected_s"]
        if p["size"] not in hd.get("api_list", {}):
            notes.append(
                f"helpdesk REST list at {size_label(p['size'])}: not measured, projected {p['seconds']:,.0f} s per request (N+1)"
            )

    width0 = max(len(r[0]) for r in rows)
    widths = [max(len(columns[i]), *(len((r[1] + [r[2], r[3]])[i]) for r in rows)) for i in range(len(columns))]
    print()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"cases at scale: {size} open cases, {size_label(args.due)} due, {args.requests:,} intake requests, {args.clients} clients, "
        f"{os.cpu_count()} CPUs, load average {load} (start: {args.load_at_start}), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"{'measure':<{width0}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)))
    for name, civ_cells, hd_cell, target in rows:
        cells = [*civ_cells, hd_cell, target]
        print(f"{name:<{width0}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))
    for label in labels:
        for key in ("intake", *LIST_PATHS, *DESK_PATHS):
            figure = civic[label].get(key)
            if figure and figure.get("error_samples"):
                for status, sample in figure["error_samples"].items():
                    notes.append(f"civicdesk {label} {key}: {figure['statuses'][status]} x {status}: {sample[:160]!r}")
        if civic[label].get("intake"):
            f = civic[label]["intake"]
            notes.append(
                f"civicdesk {label} intake: load generator used {f['client_cpu_s']:.1f} s CPU in {f['wall_s']:.1f} s (same 2 cores)"
            )
        if civic[label].get("commit_ceiling"):
            c = civic[label]["commit_ceiling"]
            knobs = ", ".join(f"{k}={v}" for k, v in c["settings"].items())
            notes.append(
                f"civicdesk {label} commit ceiling: {c['commits']:,} replays of one intake's writes in {c['wall_s']:.1f} s "
                f"({knobs}; {c['cpu_ms_per_commit']:.2f} ms CPU each); the intake made "
                + ", ".join(f"{n} {kind}" for kind, n in sorted(c["statements"].items()))
            )
        if civic[label].get("api_skipped"):
            notes.append(f"civicdesk {label}: {civic[label]['api_skipped']}")
        if civic[label].get("sweep", {}).get("profile"):
            notes.append(
                f"civicdesk {label} sweep profile (its wall time includes the profiler): {civic[label]['sweep']['profile']}"
            )
    if hd.get("create", {}).get("error_samples"):
        for status, sample in hd["create"]["error_samples"].items():
            notes.append(f"helpdesk create: {hd['create']['statuses'][status]} x {status}: {sample[:160]!r}")
    if hd.get("skipped"):
        notes.append(f"helpdesk: {hd['skipped']}")
    for note in notes:
        print(f"  note: {note}")


# --- entry point --------------------------------------------------------------------------------------------------


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="20 k cases, 1 k due, 1 000 requests")
    parser.add_argument("--cases", type=int, default=None, help="open cases / tickets (default 1 000 000)")
    parser.add_argument("--due", type=int, default=None, help="clocks / tickets due for the sweep (default 10 000)")
    parser.add_argument("--requests", type=int, default=None, help="intake requests per server (default 5 000)")
    parser.add_argument("--list-requests", type=int, default=None, help="requests per list endpoint (default 2 000)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent keep-alive clients (default 16)")
    parser.add_argument(
        "--only", choices=("sqlite", "postgresql", "helpdesk"), action="append", help="run only these parts"
    )
    parser.add_argument("--helpdesk-venv", default="/tmp/helpdesk-venv", help="virtual environment for django-helpdesk")  # noqa: S108 — the brief: outside the project, under /tmp
    parser.add_argument(
        "--helpdesk-list-cases", type=int, default=100_000, help="size for helpdesk's N+1 REST list (default 100 000)"
    )
    parser.add_argument(
        "--slow-limit", type=float, default=120, help="seconds one slow endpoint may take in all (default 120)"
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=180,
        help="cap on one load test; fewer requests are then made and counted (default 180, for shared machines)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the sweep (pyinstrument if installed, else cProfile); its wall time then includes the profiler",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders (databases, server logs)")
    # internal: one phase in a child process
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--label", default="SQLite", help=argparse.SUPPRESS)
    parser.add_argument("--settings", default="", help=argparse.SUPPRESS)
    parser.add_argument("--api-reason", default="", help=argparse.SUPPRESS)
    parser.add_argument("--profile-dir", default="", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", default="", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--session", help=argparse.SUPPRESS)
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    parser.add_argument("--due-every", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    quick = args.quick
    args.cases = args.cases if args.cases is not None else (20_000 if quick else 1_000_000)
    args.due = args.due if args.due is not None else (1_000 if quick else 10_000)
    args.requests = args.requests if args.requests is not None else (1_000 if quick else 5_000)
    args.list_requests = args.list_requests if args.list_requests is not None else (500 if quick else 2_000)
    args.due = min(args.due, args.cases)
    return args


PHASES: dict[str, Callable[[argparse.Namespace], None]] = {
    "civic-generate": phase_civic_generate,
    "civic-sweep": phase_civic_sweep,
    "civic-queries": phase_civic_queries,
    "civic-desk-session": phase_civic_desk_session,
    "civic-commit-ceiling": phase_civic_commit_ceiling,
    "civic-all": civic_all,
    "hd-setup": phase_hd_setup,
    "hd-generate": phase_hd_generate,
    "hd-escalate": phase_hd_escalate,
    "hd-queries": phase_hd_queries,
}


def child_args(args: argparse.Namespace, label: str, settings: str | None, reason: str, profile_dir: str) -> list[str]:
    out = [
        "--phase",
        "civic-all",
        "--label",
        label,
        "--cases",
        str(args.cases),
        "--due",
        str(args.due),
        "--requests",
        str(args.requests),
        "--list-requests",
        str(args.list_requests),
        "--clients",
        str(args.clients),
        "--slow-limit",
        str(args.slow_limit),
        "--max-seconds",
        str(args.max_seconds),
        "--settings",
        settings or "",
        "--api-reason",
        reason,
        "--profile-dir",
        profile_dir,
    ]
    if args.profile:
        out.append("--profile")
    if args.keep:
        out.append("--keep")
    return out


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.phase:
        PHASES[args.phase](args)
        return 0
    only = set(args.only or ("sqlite", "postgresql", "helpdesk"))
    args.load_at_start = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    started = time.perf_counter()
    notes: list[str] = []
    settings, reason = probe_api_settings()
    if reason:
        notes.append(reason)
    profile_dir = tempfile.mkdtemp(prefix="bench-cases-profile-") if args.profile else ""
    me = [sys.executable, str(Path(__file__).resolve())]
    civic: dict[str, dict[str, Any]] = {}
    if "sqlite" in only:
        log("civicdesk on SQLite (durable defaults)")
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        try:
            civic["SQLite"] = run_json([*me, *child_args(args, "SQLite", settings, reason, profile_dir)], env)
        except RuntimeError as error:
            civic["SQLite"] = {"api_skipped": f"failed: {error}"}
    if "postgresql" in only:
        finder = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "with_postgres.py"), "--find"], capture_output=True, check=False
        )
        if finder.returncode != 0:
            notes.append("PostgreSQL server binaries not found: PostgreSQL column skipped")
        else:
            log("civicdesk on a throw-away PostgreSQL (scripts/with_postgres.py; fsync=off there)")
            command = [
                sys.executable,
                str(ROOT / "scripts" / "with_postgres.py"),
                "--",
                *me,
                *child_args(args, "PostgreSQL", settings, reason, profile_dir),
            ]
            try:
                civic["PostgreSQL"] = run_json(command, dict(os.environ))
                notes.append(
                    "PostgreSQL figures come from scripts/with_postgres.py's cluster, which runs with fsync=off"
                )
            except RuntimeError as error:
                civic["PostgreSQL"] = {"api_skipped": f"failed: {error}"}
    hd: dict[str, Any] = {}
    if "helpdesk" in only:
        log(f"django-helpdesk {HELPDESK_VERSION}")
        hd = helpdesk_all(args)
    print_table(args, civic, hd, notes)
    print(f"  total bench time {time.perf_counter() - started:,.0f} s")
    if profile_dir:
        print(f"  profiles kept in {profile_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
