"""Open311 at city scale: GET requests with N stored cases (1 M by default) and POST requests, over HTTP.

Run: ``python bench/bench_open311.py`` (1 M cases; generation takes a few minutes) or
``python bench/bench_open311.py --cases 100000 --seconds 5`` for a quick look. Prints figures; asserts nothing.

1. A temporary folder with a SQLite database on the project's durable defaults (WAL, synchronous=FULL,
   IMMEDIATE): migrate, load the demo city (Pickering), issue an Open311 key.
2. Bulk-insert N cases with ``executemany`` (contacts for half of them, 1 or 2 public journal entries each,
   commitments for the open ones, an Open311 submission for those that came through Open311), spread over
   two years, with descriptions, addresses and coordinates taken from the real 311 extracts in
   ../shared/data/311 (Boston, New York, Los Angeles).
3. ``civicdesk serve`` (gunicorn, ``--workers`` processes x 4 threads) on 127.0.0.1, driven by
   ``--clients`` keep-alive ``http.client`` threads in this process (their CPU comes from the same
   machine). Each scenario runs ``--seconds``; requests/s counts completed requests, latency percentiles
   are per request. Rate limiting is off for the main run (its counter is a database write per request);
   a second run with limits on (set out of reach) shows what the shared counter costs; a third adds the two
   indexes proposed for the cases app (``PROPOSED_INDEXES``) and measures the reads again.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data" / "311"
SETTINGS = """\
import os

from civicdesk.platform.settings import *  # noqa: F403

OPEN311_RATE_LIMIT_PER_IP = int(os.environ.get("BENCH_RATE_LIMIT", "0"))
OPEN311_RATE_LIMIT_PER_KEY = int(os.environ.get("BENCH_RATE_LIMIT", "0"))
"""
Request = tuple[str, str, bytes | None, dict[str, str]]
# Indexes to try before proposing them for the schema (the last run adds them).
PROPOSED_INDEXES: list[str] = []  # both indexes it once proposed are now in the schema


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- real 311 rows --------------------------------------------------------------------------


def real_rows() -> list[tuple[str, str, float | None, float | None]]:
    """(description, address, lat, long) from the three extracts, as they are (blanks and all)."""

    def number(text: str) -> float | None:
        try:
            value = float(text)
        except ValueError:
            return None
        return value if -90 <= value <= 90 or -180 <= value <= 180 else None

    rows = []
    with (DATA / "la-myla311-2017-subset.csv").open(encoding="utf-8", errors="replace") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                (
                    f"{row['RequestType']} ({row['RequestSource']})",
                    row["Address"],
                    number(row["Latitude"]),
                    number(row["Longitude"]),
                )
            )
    with (DATA / "nyc-311-2011-subset.csv").open(encoding="utf-8", errors="replace") as handle:
        for row in csv.DictReader(handle):
            text = f"{row['Complaint Type']}: {row['Descriptor']}. {row['Resolution Description']}".strip()
            rows.append((text, row["Incident Address"], number(row["Latitude"]), number(row["Longitude"])))
    with (DATA / "boston-311-100.csv").open(encoding="utf-8", errors="replace") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                (
                    f"{row['case_title']}: {row['type']}",
                    row["location"].strip(),
                    number(row["latitude"]),
                    number(row["longitude"]),
                )
            )
    return [(d[:4000] or "Reported by phone", a[:300], lat, lon) for d, a, lat, lon in rows]


# --- set-up and generation (in this process) ------------------------------------------------------


def setup(folder: Path) -> None:
    (folder / "bench_open311_settings.py").write_text(SETTINGS)
    os.environ.update(
        CIVICDESK_DATA_DIR=str(folder),
        DATABASE_URL=f"sqlite:///{folder / 'bench.sqlite3'}",
        DJANGO_SETTINGS_MODULE="bench_open311_settings",
    )
    sys.path[:0] = [str(folder), str(ROOT), str(ROOT / "src")]
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class Insert:
    """``executemany`` into a model's table; rows are dicts of attribute names; a column left out gets its default."""

    def __init__(self, model: Any) -> None:
        from django.db import connection

        self.connection = connection
        self.fields = list(model._meta.concrete_fields)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
        self.names = [f.attname for f in self.fields]
        self.defaults: dict[str, Any] = {}
        for f in self.fields:
            if f.has_default():
                value = f.get_default()
                self.defaults[f.attname] = json.dumps(value) if f.get_internal_type() == "JSONField" else value
            elif f.null:
                self.defaults[f.attname] = None
            else:
                self.defaults[f.attname] = ""

    def __call__(self, rows: list[dict[str, Any]]) -> None:
        names, defaults = self.names, self.defaults
        with self.connection.cursor() as cursor:
            cursor.executemany(self.sql, [tuple(row.get(n, defaults[n]) for n in names) for row in rows])


def sql_time(value: datetime) -> str:
    """How Django stores an aware datetime in SQLite (naive UTC text)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def reference_for(pk: int) -> str:
    from civicdesk.domain.cases.references import check_digit

    body = str(10_000_000 + (pk * 7_919) % 90_000_000)  # one-to-one and spread over the space new_reference draws from
    return f"{body}{check_digit(body)}"


def without_indexes(tables: list[str]) -> list[str]:
    """Drop the secondary indexes of ``tables`` (bulk loads are faster without them); return their CREATE statements."""
    from django.db import connection

    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(tables))
        cursor.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",  # noqa: S608
            tables,
        )
        found = cursor.fetchall()
        for name, _sql in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


def generate(total: int, key_id: int, now: datetime) -> list[str]:
    """Bulk-insert ``total`` cases received over the two years before ``now``; return some references to ask for."""
    from django.db import connection, transaction

    from civicdesk.channels.open311.models import Submission
    from civicdesk.domain.cases.models import Case, Commitment, JournalEntry
    from civicdesk.domain.city.models import Jurisdiction, Service
    from civicdesk.domain.people.models import Contact

    city = Jurisdiction.objects.get(slug="pickering")
    services = list(Service.objects.filter(jurisdiction=city, public=True).order_by("pk"))
    pool = real_rows()
    rng = random.Random(311)
    insert_case, insert_contact = Insert(Case), Insert(Contact)
    insert_commitment, insert_entry, insert_submission = Insert(Commitment), Insert(JournalEntry), Insert(Submission)
    tables = [m._meta.db_table for m in (Case, Contact, Commitment, JournalEntry, Submission)]
    indexes = without_indexes(tables)
    channels = ["phone"] * 8 + ["web"] * 4 + ["open311"] * 4 + ["email"] * 2 + ["walk_in"] * 2
    span = timedelta(days=730)
    first = now - span
    sample: list[str] = []
    batch, made, started = 20_000, 0, time.perf_counter()
    entry_id = commitment_id = 0
    empty_explanation, empty_data, no_pauses = json.dumps({"lines": ["bench"]}), "{}", "[]"
    hour, day = timedelta(hours=1), timedelta(days=1)
    while made < total:
        cases, contacts, commitments, entries, submissions = [], [], [], [], []
        for pk in range(made + 1, min(total, made + batch) + 1):
            service = services[rng.randrange(len(services))]
            description, address, lat, lon = pool[rng.randrange(len(pool))]
            received = first + span * (pk / total) - timedelta(seconds=rng.randrange(3_600))
            closed = rng.random() < (0.95 if now - received > timedelta(days=30) else 0.4)
            closed_at = min(now, received + timedelta(seconds=rng.randrange(3_600, 20 * 86_400))) if closed else None
            updated = closed_at or min(now, received + timedelta(minutes=rng.randrange(1, 600)))
            channel = channels[pk % len(channels)]
            received_text = sql_time(received)
            closed_text = sql_time(closed_at) if closed_at else None
            contact_id = None
            if pk % 2 == 0:
                contact_id = pk
                contacts.append(
                    {
                        "id": pk,
                        "jurisdiction_id": city.pk,
                        "name": f"Resident {pk}",
                        "organisation": "",
                        "email": f"resident{pk}@example.org",
                        "phone": f"905-555-{pk % 10_000:04d}",
                        "address": "",
                        "language": "en",
                        "interpreter_requested": False,
                        "created_at": received_text,
                    }
                )
            reference = reference_for(pk)
            if pk % max(1, total // 2_000) == 0:
                sample.append(reference)
            has_location = lat is not None and lon is not None
            cases.append(
                {
                    "id": pk,
                    "jurisdiction_id": city.pk,
                    "reference": reference,
                    "kind": "service_request",
                    "feedback_type": "",
                    "channel": channel,
                    "service_id": service.pk,
                    "department_id": service.department_id,
                    "assignee_id": None,
                    "contact_id": contact_id,
                    "status": "closed" if closed else "open",
                    "resolution": "resolved" if closed else "",
                    "received_at": received_text,
                    "entered_at": received_text,
                    "routed_at": received_text,
                    "acknowledged_at": None,
                    "closed_at": closed_text,
                    "description": description,
                    "occurred_at": None,
                    "people_involved": "",
                    "outcome_sought": "",
                    "address": address,
                    "latitude": f"{lat:.6f}" if has_location else None,
                    "longitude": f"{lon:.6f}" if has_location else None,
                    "hazard": service.is_hazard,
                    "safety_threat": False,
                    "third_party_unidentified": False,
                    "council_involved": False,
                    "investigate": True,
                    "language": "en",
                    "interpreter_requested": False,
                    "parent_id": None,
                    "follow_up_requests": 0,
                    "public_note": "Work completed." if closed else "",
                    "redirect_to": "",
                    "updated_at": sql_time(updated),
                }
            )
            journal = [(received_text, "created", "Received.")]
            if closed_text:
                journal.append((closed_text, "closed", "Work completed."))
            for sequence, (at, action, note) in enumerate(journal, start=1):
                entry_id += 1
                entries.append(
                    {
                        "id": entry_id,
                        "jurisdiction_id": city.pk,
                        "case_id": pk,
                        "sequence": sequence,
                        "at": at,
                        "actor_id": None,
                        "actor_label": "bench",
                        "action": action,
                        "note": note,
                        "public": True,
                        "data": empty_data,
                        "previous_hash": "0" * 64,
                        "hash": f"{entry_id:064x}",
                    }
                )
            if not closed:
                purposes = [("acknowledge", "PK-ACK-1BD")] + ([("inspect", "PK-HAZARD")] if service.is_hazard else [])
                for purpose, standard in purposes:
                    commitment_id += 1
                    met = rng.random() < 0.5
                    commitments.append(
                        {
                            "id": commitment_id,
                            "jurisdiction_id": city.pk,
                            "case_id": pk,
                            "purpose": purpose,
                            "standard": standard,
                            "started_at": received_text,
                            "due_at": sql_time(received + day),
                            "state": "met" if met else "pending",
                            "met_at": sql_time(received + 3 * hour) if met else None,
                            "breached_at": None,
                            "paused_at": None,
                            "pauses": no_pauses,
                            "calendar_version": "2026.1",
                            "explanation": empty_explanation,
                            "sequence": 0,
                        }
                    )
            if channel == "open311":
                submissions.append(
                    {
                        "id": pk,
                        "jurisdiction_id": city.pk,
                        "case_id": pk,
                        "api_key_id": key_id,
                        "client_token": f"bench-{pk}",
                        "address_id": "",
                        "attributes": empty_data,
                        "media": None,
                        "media_url": "",
                        "device_id": "",
                        "account_id": "",
                        "created_at": received_text,
                    }
                )
        with transaction.atomic():
            insert_contact(contacts)
            insert_case(cases)
            insert_entry(entries)
            insert_commitment(commitments)
            insert_submission(submissions)
        made += len(cases)
        if made % 100_000 == 0 or made == total:
            log(f"  {made:,} cases ({made / (time.perf_counter() - started):,.0f}/s)")
    log(f"  rebuilding {len(indexes)} indexes")
    with connection.cursor() as cursor:
        for statement in indexes:
            cursor.execute(statement)
        cursor.execute("ANALYZE")
    return sample


# --- the server and the load -------------------------------------------------------------------


def start_server(folder: Path, port: int, workers: int, rate_limit: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT), str(ROOT / "src")]),
        "BENCH_RATE_LIMIT": str(rate_limit),
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "civicdesk", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/open311/v2/services.json")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("civicdesk serve did not start")


def drive(port: int, make: Callable[[random.Random], Request], seconds: float, clients: int) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(number: int) -> None:
        rng = random.Random(number)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        seen: dict[int, int] = {}
        while time.perf_counter() < deadline:
            method, path, body, headers = make(rng)
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            mine.append(time.perf_counter() - started)
            seen[status] = seen.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
            for status, count in seen.items():
                statuses[status] = statuses.get(status, 0) + count

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

    return {
        "rate": len(latencies) / elapsed,
        "p50": percentile(0.50),
        "p99": percentile(0.99),
        "n": len(latencies),
        "statuses": dict(sorted(statuses.items())),
    }


def scenarios(sample: list[str], key: str, now: datetime) -> dict[str, Callable[[random.Random], Request]]:
    def get(path: str) -> Request:
        return ("GET", path, None, {})

    def window(rng: random.Random) -> str:
        end = now - timedelta(seconds=rng.randrange(90 * 86_400))
        start = end - timedelta(hours=1)
        return urllib.parse.urlencode(
            {"start_date": start.isoformat(timespec="seconds"), "end_date": end.isoformat(timespec="seconds")}
        )

    codes = ["GRAFFITI", "STREETLIGHT", "PARK", "NOISE", "MISSED-COLLECTION", "POTHOLE", "TREE-DOWN"]

    def post(rng: random.Random) -> Request:
        form = {
            "api_key": key,
            "service_code": rng.choice(codes),
            "lat": f"{43.80 + rng.random() / 10:.6f}",
            "long": f"{-79.15 + rng.random() / 10:.6f}",
            "description": "Reported through the Open311 benchmark: overflowing, please attend.",
            "email": "bench@example.org",
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Idempotency-Key": f"bench-{rng.getrandbits(64):x}",
        }
        return ("POST", "/open311/v2/requests.json", urllib.parse.urlencode(form).encode(), headers)

    return {
        "GET services.json": lambda rng: get("/open311/v2/services.json"),
        "GET requests.json?page_size=50 (last 90 days)": lambda rng: get("/open311/v2/requests.json?page_size=50"),
        "GET requests.xml?page_size=50": lambda rng: get("/open311/v2/requests.xml?page_size=50"),
        "GET requests.json?service_code=A,B&status=open&page_size=50": lambda rng: get(
            "/open311/v2/requests.json?service_code=POTHOLE,GRAFFITI&status=open&page_size=50"
        ),
        "GET requests.json?page_size=50&extensions=true": lambda rng: get(
            "/open311/v2/requests.json?page_size=50&extensions=true"
        ),
        "GET requests.json?page=20&page_size=50": lambda rng: get("/open311/v2/requests.json?page=20&page_size=50"),
        "GET requests.json (spec default: up to 1000)": lambda rng: get("/open311/v2/requests.json"),
        "GET requests/{id}.json": lambda rng: get(f"/open311/v2/requests/{rng.choice(sample)}.json"),
        "GET requests.json?service_request_id=10 ids": lambda rng: get(
            "/open311/v2/requests.json?service_request_id=" + ",".join(rng.sample(sample, 10))
        ),
        "GET servicerequestupdates.json (1-hour window)": lambda rng: get(
            f"/open311/v2/servicerequestupdates.json?{window(rng)}"
        ),
        "POST requests.json": post,
    }


def report(title: str, results: dict[str, dict[str, Any]]) -> None:
    print(f"\n{title}")
    print(f"{'scenario':<62} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9}  statuses")
    for name, r in results.items():
        print(f"{name:<62} {r['rate']:>8.0f} {r['p50']:>8.1f} {r['p99']:>8.1f} {r['n']:>9}  {r['statuses']}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def create_proposed_indexes() -> None:
    from django.db import connection, connections

    with connection.cursor() as cursor:
        for statement in PROPOSED_INDEXES:
            cursor.execute(statement)
        cursor.execute("ANALYZE")
    connections.close_all()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases stored before measuring (default 1 M)")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds per scenario")
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn web processes")
    parser.add_argument(
        "--no-proposed-indexes",
        action="store_true",
        help="skip the last run, which adds the indexes proposed for cases and the journal (PROPOSED_INDEXES)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-open311-"))
    servers: list[subprocess.Popen[bytes]] = []
    try:
        log(f"setting up in {folder}")
        setup(folder)
        from django.db import connections

        from civicdesk.channels.open311.keys import issue_key
        from civicdesk.platform.demo.city import load_demo_city

        load_demo_city()
        row, key = issue_key(client_name="bench")
        now = datetime.now(UTC).replace(microsecond=0)
        log(f"generating {args.cases:,} cases with executemany")
        started = time.perf_counter()
        sample = generate(args.cases, row.pk, now)
        generated = time.perf_counter() - started
        log(f"generated {args.cases:,} cases in {generated:.0f} s")
        connections.close_all()

        plans = scenarios(sample, key, now)
        reads = [name for name in plans if name.startswith("GET requests.json") or "updates" in name]
        runs: list[tuple[str, int, list[str], Callable[[], None] | None]] = [
            ("rate limits off, the current schema's indexes", 0, list(plans), None),
            (
                "rate limits on (per IP and per key, set out of reach: what the shared counter costs)",
                10**9,
                [
                    "GET services.json",
                    "GET requests.json?page_size=50 (last 90 days)",
                    "GET requests/{id}.json",
                    "POST requests.json",
                ],
                None,
            ),
        ]
        if not args.no_proposed_indexes:
            runs.append(("rate limits off, with the proposed indexes", 0, reads, create_proposed_indexes))
        load = os.getloadavg()[0]
        print(
            f"\nOpen311 with {args.cases:,} stored cases (generated in {generated:.0f} s); SQLite WAL, synchronous=FULL;"
        )
        print(
            f"civicdesk serve: {args.workers} gunicorn workers x 4 threads; {args.clients} client threads in this process;"
        )
        print(f"{args.seconds:g} s per scenario; {os.cpu_count()} CPUs, load average {load:.1f} before measuring")
        for title, limit, names, prepare in runs:
            if prepare is not None:
                log(f"{title}: preparing")
                prepare()
            port = free_port()
            server = start_server(folder, port, args.workers, limit)
            servers.append(server)
            results = {}
            for name in names:
                log(f"{title}: {name}")
                seconds = args.seconds / 2 if "1000" in name else args.seconds
                results[name] = drive(port, plans[name], seconds, args.clients)
            server.terminate()
            server.wait(timeout=60)
            report(title, results)
        return 0
    finally:
        for server in servers:
            if server.poll() is None:
                server.kill()
        if args.keep:
            log(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
