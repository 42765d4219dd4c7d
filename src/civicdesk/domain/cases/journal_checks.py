"""Anchoring the case journals outside the database, and checking each case row against its journal.

A hash chain alone shows an entry was edited, but not that the last entries,
a whole journal, or a recomputed chain replaced what was there: someone who
can write the database can rebuild a consistent chain. So the worker writes a
**checkpoint** every few minutes: for every case whose journal grew, its
length and the hash of its last entry, appended as JSON lines to
``JOURNAL_CHECKPOINT_FILE``. Each line carries the SHA-256 of the line before
it (a removed or edited line breaks the chain of lines) and, when
``JOURNAL_CHECKPOINT_KEY`` is set, an HMAC of itself (a line rewritten by
someone without the key is detected). Keep the file where the database's
writers cannot rewrite it: an append-only file (``chattr +a``), a copy
shipped off the machine, or a log service.

:func:`verify_checkpoints` replays the file: every case it names must still
exist, with at least that many entries and the same hash at that length.
:func:`verify_case_row` checks the case's row says what its journal says.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from civicdesk.domain.cases.models import Action, Case, JournalEntry, Status
from civicdesk.platform import config, timesource

logger = logging.getLogger(__name__)

CASES_PER_LINE = 5000  # a line stays a few hundred kilobytes however many cases changed
GENESIS_LINE = "0" * 64


@dataclass(frozen=True)
class AnchorProblem:
    """Something the checkpoints or the case row say that the journal does not."""

    where: str
    problem: str


def _file() -> Path:
    return config.journal_checkpoint_settings().file


def _key() -> bytes:
    return config.journal_checkpoint_settings().key.encode()


def _mac(body: dict[str, Any]) -> str | None:
    key = _key()
    if not key:
        return None
    return hmac.new(key, _canonical(body).encode(), hashlib.sha256).hexdigest()


def _canonical(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if line.strip():
                yield number, line.rstrip("\n")


def write_checkpoint() -> int:
    """Append the length and head of every journal that grew since the last checkpoint; the number of cases."""
    path = _file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as stream:
        fcntl.flock(stream, fcntl.LOCK_EX)  # two workers never interleave lines or chain from the same one
        stream.seek(0)
        previous, through = GENESIS_LINE, 0
        for line in stream:
            if line.strip():
                previous = hashlib.sha256(line.rstrip("\n").encode()).hexdigest()
                through = max(through, int(json.loads(line).get("through_entry", 0)))
        heads: dict[str, tuple[int, str]] = {}
        newest = through
        rows = (
            JournalEntry.objects.filter(pk__gt=through)
            .order_by("pk")
            .values_list("pk", "case__reference", "sequence", "hash")
        )
        for pk, reference, sequence, entry_hash in rows.iterator(chunk_size=5000):
            newest = max(newest, pk)
            if sequence >= heads.get(reference, (0, ""))[0]:
                heads[reference] = (sequence, entry_hash)
        if not heads:
            return 0
        at = timesource.now().isoformat()
        references = sorted(heads)
        for start in range(0, len(references), CASES_PER_LINE):
            chunk = references[start : start + CASES_PER_LINE]
            body: dict[str, Any] = {
                "at": at,
                "previous": previous,
                "through_entry": newest,
                "cases": {reference: list(heads[reference]) for reference in chunk},
            }
            line = _canonical({**body, "mac": _mac(body)})
            stream.write(line + "\n")
            previous = hashlib.sha256(line.encode()).hexdigest()
        stream.flush()
    if not _key():
        logger.warning("journal checkpoint written unsigned: set JOURNAL_CHECKPOINT_KEY to sign it")
    return len(heads)


def verify_checkpoints() -> list[AnchorProblem]:
    """Every way the journals now differ from what the checkpoint file recorded, and every flaw in the file."""
    path = _file()
    problems: list[AnchorProblem] = []
    recorded: dict[str, tuple[int, str, str]] = {}
    previous = GENESIS_LINE
    for number, line in _lines(path):
        where = f"checkpoint line {number}"
        try:
            body = json.loads(line)
            mac = body.pop("mac")
        except (ValueError, KeyError, AttributeError):
            problems.append(AnchorProblem(where, "is not a checkpoint line"))
            previous = hashlib.sha256(line.encode()).hexdigest()
            continue
        if body.get("previous") != previous:
            problems.append(AnchorProblem(where, "does not follow the line before it: a line was removed or changed"))
        expected = _mac(body)
        if expected is not None and not hmac.compare_digest(str(mac), expected):
            problems.append(AnchorProblem(where, "signature does not match: the line was rewritten"))
        elif expected is None and mac is not None:
            problems.append(AnchorProblem(where, "is signed, but JOURNAL_CHECKPOINT_KEY is not set to check it"))
        for reference, (length, head) in body.get("cases", {}).items():
            recorded[reference] = (int(length), str(head), str(body.get("at", "")))
        previous = hashlib.sha256(line.encode()).hexdigest()
    if not recorded:
        return problems
    existing = dict(Case.objects.filter(reference__in=list(recorded)).values_list("reference", "pk"))
    for reference, (length, head, at) in sorted(recorded.items()):
        if reference not in existing:
            problems.append(AnchorProblem(f"case {reference}", f"was deleted (checkpointed at {at})"))
            continue
        stored = (
            JournalEntry.objects.filter(case_id=existing[reference], sequence=length)
            .values_list("hash", flat=True)
            .first()
        )
        if stored is None:
            problems.append(AnchorProblem(f"case {reference}", f"journal was cut: it had {length} entries at {at}"))
        elif stored != head:
            problems.append(
                AnchorProblem(
                    f"case {reference} entry {length}",
                    f"differs from the checkpoint of {at}: the chain was rewritten",
                )
            )
    return problems


def verify_case_row(case: Case) -> list[AnchorProblem]:
    """Where the case's own row disagrees with its journal: no journal, or a status or department it never got."""
    where = f"case {case.reference}"
    entries = list(
        JournalEntry.objects.filter(
            case=case, action__in=[Action.CREATED, Action.CLOSED, Action.REOPENED, Action.ROUTED]
        )
        .order_by("sequence")
        .values_list("sequence", "action", "data")
    )
    if not entries or entries[0][:2] != (1, Action.CREATED):
        return [AnchorProblem(where, "has no journal (its first entry, 'case created', is missing)")]
    problems = []
    created = entries[0][2] or {}
    if created.get("kind") not in (None, case.kind):
        problems.append(
            AnchorProblem(where, f"kind is {case.kind!r} but the journal created it as {created['kind']!r}")
        )
    closing = [action for _sequence, action, _data in entries if action in (Action.CLOSED, Action.REOPENED)]
    journal_status = str(Status.CLOSED.value if closing and closing[-1] == Action.CLOSED else Status.OPEN.value)
    if case.status != journal_status:
        problems.append(AnchorProblem(where, f"status is {case.status!r} but its journal says {journal_status!r}"))
    routed = [data.get("department") for _sequence, action, data in entries if action == Action.ROUTED and data]
    if routed:
        department = case.department.code if case.department is not None else None
        if department != routed[-1]:
            problems.append(
                AnchorProblem(where, f"department is {department!r} but its journal last routed it to {routed[-1]!r}")
            )
    return problems
