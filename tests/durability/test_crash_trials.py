"""Crash trials: kill -9 of the web server and the worker, together, while clients post cases and the sweep runs.

After each kill both restart, clients retry with their Idempotency-Keys, and
the sweep runs again. Every acknowledged case is there, once per key; every
journal chain verifies and starts with its creation; every missed standard and
every follow-up request the journals record has its outbox message, and no
follow-up request or outbox message exists twice; SQLite's
``PRAGMA integrity_check`` is ok.

Cases are backdated three weeks, so the sweep has missed standards and
follow-up requests to record the moment they arrive. ``CIVICDESK_CRASH_TRIALS``
sets the number of trials (2 here; ``make chaos`` runs 100).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count

from civicdesk.domain.cases import journal
from civicdesk.domain.cases.models import Action, Case, Commitment, FollowUpRequest, JournalEntry
from civicdesk.domain.outbox.models import OutboxMessage
from tests.fixtures.processes import ROOT, civicdesk_env, free_port, run_civicdesk, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TRIALS = int(os.environ.get("CIVICDESK_CRASH_TRIALS", "2"))
CLIENTS = 6


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "civicdesk", *args],
        env=civicdesk_env(),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group: kill -9 reaches every process it forked
    )


def _up(port: int) -> bool:
    try:
        connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection_.request("GET", "/")
        return connection_.getresponse().status == 200
    except OSError:
        return False


def _post(port: int, token: str, key: str, received: str) -> tuple[int, dict[str, Any]]:
    body = json.dumps(
        {
            "kind": "service_request",
            "channel": "phone",
            "service": "POTHOLE",
            "description": f"Pothole report {key}",
            "received_at": received,
        }
    )
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    client.request(
        "POST",
        "/api/v1/cases",
        body,
        {"Authorization": f"Bearer {token}", "Idempotency-Key": key, "Content-Type": "application/json"},
    )
    response = client.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def _kill(*processes: subprocess.Popen[str]) -> None:
    for process in processes:
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(process.pid, signal.SIGKILL)
    for process in processes:
        process.wait(timeout=15)


def _one_trial(trial: int, port: int, token: str, started: list[subprocess.Popen[str]]) -> None:
    rng = random.Random(trial)
    web, worker = _start("serve", "--port", str(port), "--workers", "2"), _start("worker")
    started += [web, worker]
    wait_for(lambda: _up(port), timeout=60, message="web server")

    # The same request on every retry of a key: three weeks ago, so the sweep has work at once.
    received = (datetime.now(UTC) - timedelta(days=21)).isoformat()
    acknowledged: dict[str, str] = {}
    attempted: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int) -> None:
        sent = 0
        while not stop.is_set():
            key = f"t{trial}-c{number}-{sent}"
            sent += 1
            with lock:
                attempted.append(key)
            try:
                status, body = _post(port, token, key, received)
            except (OSError, http.client.HTTPException, json.JSONDecodeError):
                return  # the server died under us: not acknowledged
            if status in (200, 201):
                with lock:
                    acknowledged[key] = str(body["reference"])

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    wait_for(lambda: len(acknowledged) >= 10, timeout=60, message="acknowledged intakes")
    time.sleep(rng.uniform(0.0, 2.0))
    _kill(web, worker)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    stored = set(Case.objects.values_list("reference", flat=True))
    assert {k: r for k, r in acknowledged.items() if r not in stored} == {}, f"trial {trial}: acknowledged cases lost"

    web, worker = _start("serve", "--port", str(port), "--workers", "2"), _start("worker")
    started += [web, worker]
    wait_for(lambda: _up(port), timeout=60, message="restarted web server")
    for key in attempted:
        status, body = _post(port, token, key, received)
        assert status in (200, 201), body
        if key in acknowledged:
            assert body["reference"] == acknowledged[key]
    _kill(web, worker)
    for _ in range(2):  # a sweep after the crash, and one more: nothing is done twice
        swept = run_civicdesk("sweep", "--once", timeout=300)
        assert swept.returncode == 0, swept.stderr


def _check_everything_once() -> None:
    descriptions = Counter(Case.objects.values_list("description", flat=True))
    assert [d for d, n in descriptions.items() if n > 1] == []
    for case in Case.objects.all():
        assert journal.verify(case) == [], case.reference
        first = JournalEntry.objects.filter(case=case).order_by("sequence").first()
        assert first is not None
        assert first.action == Action.CREATED
    follow_ups = Counter(FollowUpRequest.objects.values_list("case_id", "number"))
    assert [k for k, n in follow_ups.items() if n > 1] == []
    requested = Counter(
        (case_id, (data or {}).get("number"))
        for case_id, data in JournalEntry.objects.filter(action=Action.FOLLOW_UP_REQUESTED).values_list(
            "case_id", "data"
        )
    )
    assert [k for k, n in requested.items() if n > 1 and k[1] is not None] == []
    keyed = OutboxMessage.objects.filter(dedupe_key__isnull=False).exclude(dedupe_key="")
    messages = Counter(keyed.values_list("dedupe_key", flat=True))
    assert [k for k, n in messages.items() if n > 1] == []
    # A digest (no key: the worker makes one when several staff messages fall due together) carries what it
    # took, and nothing is taken twice: a digest repeated after a crash would be an empty one.
    digests = OutboxMessage.objects.filter(kind="digest").annotate(carried=Count("digested"))
    assert [d.pk for d in digests if d.carried < 2] == []
    # Each step the journals record queued its message in the same transaction: none is missing.
    owed = {f"follow-up:{case_id}:{number}" for case_id, number in follow_ups}
    for commitment in Commitment.objects.filter(breached_at__isnull=False):
        kinds = (f"breach:{commitment.pk}", f"notice:{commitment.pk}", f"paused-too-long:{commitment.pk}")
        assert any(k in messages for k in kinds), f"no message for the breach of {commitment.standard}"
    assert sorted(owed - set(messages)) == [], "follow-up requests without their message"
    breaches = JournalEntry.objects.filter(action=Action.COMMITMENT_BREACHED).count()
    assert OutboxMessage.objects.filter(kind="standard_missed").count() == breaches
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            assert cursor.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_kill_9_of_web_and_worker_during_intake_and_sweep_loses_and_repeats_nothing(started_processes, city) -> None:
    from civicdesk.channels.api.tokens import issue_token

    _row, token = issue_token(user=city.csr)
    port = free_port()
    for trial in range(TRIALS):
        _one_trial(trial, port, token, started_processes)
        _check_everything_once()
    assert Case.objects.count() >= 10 * TRIALS
    assert FollowUpRequest.objects.exists() or JournalEntry.objects.filter(action=Action.COMMITMENT_BREACHED).exists()
