"""Django's SQLite backend, with writers queued by the kernel instead of SQLite's busy-wait polling.

SQLite admits one writer at a time, and a second ``BEGIN IMMEDIATE`` does not wait in line: its
busy handler sleeps and tries again (after 1, 2, 5 … then every 100 ms), so under steady writes a
waiter can lose the lock again and again to newcomers and a few requests wait seconds. Every
transaction here first takes an exclusive ``flock`` on a file beside the database (``NAME`` +
``.writers``), held until it commits or rolls back: waiting writers sleep in the kernel and the next
one runs the moment the lock is free. A process that dies loses its lock with it.

A waiting writer waits as long as the transaction before it takes, with no time limit of its own:
every transaction here is short (a request's writes or one batch of the sweep, inputs bounded so
none computes for long), and a stuck holder is a fault to fix, not a queue to time out of. Plain
statements outside a transaction (autocommit) do not queue here; SQLite's busy timeout still covers
them and the ``BEGIN IMMEDIATE`` after the file lock.
"""

from __future__ import annotations

import fcntl
from typing import IO, Any

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    # The hooks below are Django's private transaction methods, which its type stubs leave out.
    _writers: IO[bytes] | None = None

    def _start_transaction_under_autocommit(self) -> None:
        if self._writers is None:
            self._writers = open(f"{self.settings_dict['NAME']}.writers", "ab")  # noqa: SIM115 — kept open with the connection
        fcntl.flock(self._writers, fcntl.LOCK_EX)
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_writers()
            raise

    def _release_writers(self) -> None:
        if self._writers is not None:
            fcntl.flock(self._writers, fcntl.LOCK_UN)

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._release_writers()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writers()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            if self._writers is not None:
                self._writers.close()
                self._writers = None
