"""The two ceilings civicdesk's load figures live under, measured by bench_cases.py in the same run.

1. **Durable commits/s for a transaction of intake's size** (:func:`commit_ceiling`). One real
   intake (``POST /api/v1/cases`` through Django's test client, after a warm-up one) is recorded twice:
   ``CaptureQueriesContext`` counts its statements by kind, and an ``execute_wrapper`` keeps each
   INSERT and UPDATE with its parameters. Those writes are then replayed, in their order, one
   transaction per intake, with raw DB-API on a scratch copy of the tables they write, for a few
   seconds: the rate is the most intakes per second the database could commit however fast the
   Python in front of it became. SQLite: a scratch file beside the database, opened through the
   backend's own ``get_new_connection`` (so the product's pragmas apply: WAL, ``synchronous=FULL``,
   foreign keys on) and written in ``BEGIN IMMEDIATE`` transactions; it holds every table's schema, the
   rows of the tables intake does not write (so foreign keys resolve; rows that point at the others
   are left out) and empty copies of those it does.
   PostgreSQL: a scratch schema first on the ``search_path`` whose tables are ``LIKE … INCLUDING ALL``
   copies (columns, defaults, identities, indexes; no foreign keys). Unique values (the reference, the
   idempotency key) get a suffix per replay and foreign keys to rows written earlier in the same
   transaction point at the replayed rows, so every replay writes the same rows and index entries as a
   real intake. The scratch tables start empty, so the figure is an upper bound at any case count.
2. **A bare Django JSON view** (:data:`BARE_SETTINGS`, :func:`serve_bare`): Django with no apps, no
   middleware and no database, one view that parses a JSON body and answers with a small JSON
   object, served by ``civicdesk serve``'s own :class:`~civicdesk.platform.web_server.WebServer`
   (same workers, threads, worker class, access log, keep-alive) and driven with bench_cases.py's load
   generator and clients: the most requests/s any Django view could be served at on this machine.

``python bench/ceilings.py serve-bare --port N --workers 2`` runs the bare server on its own.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

WRITES = ("INSERT", "UPDATE")
REPLAY_SECONDS = 4.0
REPLAY_MINIMUM = 50
SCRATCH_SCHEMA = "bench_commit_ceiling"

_INSERT = re.compile(r'^INSERT INTO "(?P<table>\w+)" \((?P<columns>[^)]*)\)')
_UPDATE = re.compile(r'^UPDATE "(?P<table>\w+)" SET (?P<assignments>.*?) WHERE (?P<where>.*)$', re.S)
_ASSIGNMENT = re.compile(r'"(\w+)" = (%s|NULL)')
_WHERE_PK = re.compile(r'^(?:"\w+"\.)?"id" = %s$')


def kind_of(sql: str) -> str:
    """The statement's first word, upper-case: SELECT, INSERT, UPDATE, BEGIN, SAVEPOINT, RELEASE, COMMIT…"""
    sql = re.sub(r"^\d+ times: ", "", sql.lstrip())  # how CaptureQueriesContext shows an executemany
    word = sql.split(None, 1)[0].upper() if sql.strip() else "?"
    return "SELECT" if word == "WITH" else word


# --- 1. durable commits/s ------------------------------------------------------------------------


class _Recorder:
    """An ``execute_wrapper`` keeping every statement with its parameters (``many`` for ``executemany``)."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any, bool]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.statements.append((sql, params, many))
        return execute(sql, params, many, context)


class _Table:
    """What the replay needs to know about a table intake writes: its model, foreign keys and unique texts."""

    def __init__(self, model: Any) -> None:
        from django.db.models import UniqueConstraint

        meta = model._meta
        self.model = model
        self.references = {
            f.column: f.related_model._meta.db_table for f in meta.concrete_fields if f.is_relation and f.related_model
        }
        groups = [[f] for f in meta.concrete_fields if f.unique and not f.primary_key]
        groups += [[meta.get_field(name) for name in names] for names in meta.unique_together]
        groups += [
            [meta.get_field(name) for name in c.fields]
            for c in meta.constraints
            if isinstance(c, UniqueConstraint) and c.fields
        ]
        self.unique_groups = [{f.column: f for f in group} for group in groups]


def _vary(value: str, replay: int, max_length: int | None) -> str:
    suffix = f"~{replay}"
    return (value[: max_length - len(suffix)] if max_length else value) + suffix


class _Replay:
    """The intake's writes as a script that can be run again and again on the scratch tables."""

    def __init__(self, writes: list[tuple[str, Any, bool]], created: dict[str, list[int]]) -> None:
        from django.apps import apps

        self.writes = writes
        self.created = created  # table -> ids the recorded intake created there, in insertion order
        by_table = {m._meta.db_table: m for m in apps.get_models()}
        self.tables: dict[str, _Table] = {}
        for sql, _params, _many in writes:
            match = _INSERT.match(sql) or _UPDATE.match(sql)
            if match is None:
                raise RuntimeError(f"cannot replay {sql[:120]!r}")
            name = match["table"]
            if name not in self.tables:
                self.tables[name] = _Table(by_table[name])

    @property
    def written_tables(self) -> list[str]:
        return list(self.tables)

    def run(self, cursor: Any, replay: int, qmark: bool) -> None:
        """One intake's writes (the caller opens and commits the transaction)."""
        seen: Counter[str] = Counter()
        new_ids: dict[tuple[str, int], int] = {}
        for sql, params, many in self.writes:
            insert = _INSERT.match(sql)
            text = sql.replace("%s", "?") if qmark else sql
            if insert is not None:
                table = self.tables[insert["table"]]
                columns = [c.strip().strip('"') for c in insert["columns"].split(",")]
                values = list(params)
                width = len(columns)
                # A bulk insert's VALUES hold one group of parameters per row: remap each row's.
                for start in range(0, len(values), width):
                    row = values[start : start + width]
                    for i, column in enumerate(columns):
                        target = table.references.get(column)
                        if target is not None and (target, row[i]) in new_ids:
                            row[i] = new_ids[(target, row[i])]
                    for group in table.unique_groups:
                        if any((table.references.get(c), row[columns.index(c)]) in new_ids for c in group):
                            continue  # a row of this transaction is part of the key: already unique
                        for column, field in group.items():
                            i = columns.index(column)
                            if isinstance(row[i], str):
                                row[i] = _vary(row[i], replay, getattr(field, "max_length", None))
                    values[start : start + width] = row
                cursor.execute(text, values)
                returned = cursor.fetchall() if cursor.description else []
                recorded = self.created.get(insert["table"], [])
                n = seen[insert["table"]]
                for offset, returned_row in enumerate(returned):
                    if n + offset < len(recorded):
                        new_ids[(insert["table"], recorded[n + offset])] = returned_row[0]
                seen[insert["table"]] += max(len(returned), len(values) // width)
                continue
            update = _UPDATE.match(sql)
            assert update is not None  # checked when the replay was built
            rows = params if many else [params]
            placeholders = [m[2] for m in _ASSIGNMENT.finditer(update["assignments"])]
            n_set = placeholders.count("%s")
            remapped = []
            for row in rows:
                values = list(row)
                if _WHERE_PK.match(update["where"].strip()):
                    key = (update["table"], values[n_set])
                    values[n_set] = new_ids.get(key, values[n_set])
                remapped.append(values)
            if many:
                cursor.executemany(text, remapped)
            else:
                cursor.execute(text, remapped[0])


def _record_intake(
    token: str, intake_body: Callable[[int], dict[str, Any]]
) -> tuple[dict[str, int], list[tuple[str, Any, bool]], dict[str, list[int]]]:
    """One real intake through the staff API: its statements by kind, its writes, and the ids it created."""
    from django.apps import apps
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "content_type": "application/json"}

    def post(i: int) -> int:
        response = client.post(
            "/api/v1/cases", data=json.dumps(intake_body(i)), HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()), **headers
        )
        return int(response.status_code)

    post(1)  # warm-up: imports, URL set-up, the token's "last used" write
    models = {m._meta.db_table: m for m in apps.get_models()}
    before = {
        table: (m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) for table, m in models.items()
    }
    recorder = _Recorder()
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(recorder):
        status = post(1)  # a complaint with a contact: the bench's most expensive kind of intake
    if status != 201:
        raise RuntimeError(f"the recorded intake answered {status}")
    counts = Counter(kind_of(q["sql"]) for q in captured.captured_queries)
    writes = [(sql, params, many) for sql, params, many in recorder.statements if kind_of(sql) in WRITES]
    created = {}
    for table in {(_INSERT.match(sql) or _UPDATE.match(sql))["table"] for sql, _, _ in writes}:  # type: ignore[index]
        created[table] = list(
            models[table].objects.filter(pk__gt=before[table]).order_by("pk").values_list("pk", flat=True)
        )
    return dict(counts), writes, created


def _sqlite_scratch(connection: Any, replay: _Replay, folder: Path) -> Any:
    """A scratch SQLite file beside the database, opened as the product opens its database."""
    path = folder / "commit-ceiling.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    params = connection.get_connection_params()
    live = params["database"]
    params["database"] = str(path)
    raw = connection.get_new_connection(params)  # the backend's pragmas: WAL, synchronous=FULL, foreign keys
    raw.isolation_level = None  # transactions opened below, as Django does
    raw.execute("ATTACH DATABASE ? AS live", (live,))
    schema = raw.execute(
        "SELECT type, name, tbl_name, sql FROM live.sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    tables = [row for row in schema if row[0] == "table"]
    raw.execute("PRAGMA foreign_keys = OFF")  # while copying; foreign_key_check below keeps the copy consistent
    raw.execute("BEGIN")
    for _type, _name, _table, sql in tables:
        raw.execute(sql)
    for _type, name, _table, _sql in tables:  # after every table exists: the foreign keys name them
        if name not in replay.written_tables:
            raw.execute(f'INSERT INTO main."{name}" SELECT * FROM live."{name}"')  # noqa: S608 — names from the schema
    # Rows that point at the tables left empty (a sweep's follow-up requests, items…) are not needed.
    while broken := {row[0] for row in raw.execute("PRAGMA main.foreign_key_check")}:
        for name in broken:
            raw.execute(f'DELETE FROM main."{name}"')  # noqa: S608 — names from the schema
    for kind, _name, _table, sql in schema:
        if kind in ("index", "trigger", "view"):
            raw.execute(sql)
    raw.execute("COMMIT")
    raw.execute("PRAGMA foreign_keys = ON")  # as the product runs (SQLite's default is off)
    raw.execute("DETACH DATABASE live")
    return raw


def _postgresql_scratch(connection: Any, replay: _Replay) -> Any:
    """A scratch schema, first on the search path, with a copy of each table intake writes."""
    raw = connection.get_new_connection(connection.get_connection_params())
    raw.autocommit = True
    with raw.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{SCRATCH_SCHEMA}" CASCADE')
        cursor.execute(f'CREATE SCHEMA "{SCRATCH_SCHEMA}"')
        for name in replay.written_tables:
            cursor.execute(f'CREATE TABLE "{SCRATCH_SCHEMA}"."{name}" (LIKE public."{name}" INCLUDING ALL)')
        cursor.execute(f'SET search_path TO "{SCRATCH_SCHEMA}", public')
    raw.autocommit = False
    return raw


def measure_commits(replay: _Replay, folder: Path) -> dict[str, Any]:
    """Replay the intake's writes, one durable transaction each, for :data:`REPLAY_SECONDS`."""
    from django.db import connection

    sqlite = connection.vendor == "sqlite"
    raw = _sqlite_scratch(connection, replay, folder) if sqlite else _postgresql_scratch(connection, replay)
    begin = "BEGIN " + connection.transaction_mode if sqlite and connection.transaction_mode else "BEGIN"
    try:
        cursor = raw.cursor()
        done, started = 0, time.perf_counter()
        cpu = time.process_time()
        while done < REPLAY_MINIMUM or time.perf_counter() - started < REPLAY_SECONDS:
            if sqlite:
                cursor.execute(begin)
            replay.run(cursor, done, qmark=sqlite)
            raw.commit() if not sqlite else cursor.execute("COMMIT")
            done += 1
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
        settings = {}
        if sqlite:
            for pragma in ("journal_mode", "synchronous", "foreign_keys"):
                settings[pragma] = cursor.execute(f"PRAGMA {pragma}").fetchone()[0]
        else:
            cursor.execute("SHOW fsync")
            settings["fsync"] = cursor.fetchone()[0]
            cursor.execute("SHOW synchronous_commit")
            settings["synchronous_commit"] = cursor.fetchone()[0]
            raw.rollback()
            raw.autocommit = True
            cursor.execute(f'DROP SCHEMA "{SCRATCH_SCHEMA}" CASCADE')
        cursor.close()
    finally:
        raw.close()
        if sqlite:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{folder / 'commit-ceiling.sqlite3'}{suffix}").unlink(missing_ok=True)
    return {
        "commits": done,
        "wall_s": wall,
        "rate": done / wall,
        "ms_per_commit": wall * 1000 / done,
        "cpu_ms_per_commit": cpu * 1000 / done,
        "settings": settings,
    }


def commit_ceiling(*, token: str, intake_body: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
    """Record one intake (bodies from ``intake_body``), replay its writes, and say how fast they commit."""
    from django.conf import settings

    counts, writes, created = _record_intake(token, intake_body)
    replay = _Replay(writes, created)
    result = measure_commits(replay, Path(settings.DATA_DIR))
    result.update(
        statements=counts,
        writes=Counter(kind_of(sql) for sql, _, _ in writes),
        tables=replay.written_tables,
    )
    return result


# --- 2. a bare Django JSON view --------------------------------------------------------------------

BARE_SETTINGS: dict[str, Any] = {
    "DEBUG": False,
    "SECRET_KEY": "bench-only-bare-view-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": ["127.0.0.1", "localhost"],
    "ROOT_URLCONF": __name__,
    "INSTALLED_APPS": [],
    "MIDDLEWARE": [],
    "DATABASES": {},
    "USE_TZ": True,
    "LOGGING_CONFIG": None,
}
BARE_PATH = "/bare/"


def bare_view(request: Any) -> Any:
    """Parse the JSON body (as every API view does) and answer 201 with a small JSON object."""
    from django.http import JsonResponse

    body = json.loads(request.body or b"{}")
    return JsonResponse({"received": len(body), "kind": body.get("kind", "")}, status=201)


def _urlpatterns() -> list[Any]:
    from django.urls import path

    return [path(BARE_PATH.strip("/") + "/", bare_view)]


def serve_bare(*, port: int, workers: int) -> None:
    """The bare view behind civicdesk's own gunicorn set-up (only the WSGI application differs)."""
    import django
    from django.conf import settings

    sys.path[:0] = [str(ROOT / "src")]
    settings.configure(**BARE_SETTINGS)
    django.setup()
    from django.core.wsgi import get_wsgi_application

    from civicdesk.platform.web_server import WebServer

    class BareServer(WebServer):  # type: ignore[misc]
        def load(self) -> Any:
            return get_wsgi_application()

    BareServer(host="127.0.0.1", port=port, workers=workers).run()


def __getattr__(name: str) -> Any:  # the URLconf, built once Django is configured
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    bare = commands.add_parser("serve-bare", help="serve the bare JSON view as civicdesk serve would")
    bare.add_argument("--port", type=int, required=True)
    bare.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if args.command == "serve-bare":
        serve_bare(port=args.port, workers=args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
