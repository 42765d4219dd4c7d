#!/usr/bin/env python3
"""Run a command against a throw-away PostgreSQL cluster, then remove the cluster.

    scripts/with_postgres.py [--find] -- COMMAND [ARGS…]

Finds the server binaries (PATH, then /usr/lib/postgresql/*/bin), creates a
cluster in a temporary folder (as the unprivileged user ``nobody`` when run as
root, because PostgreSQL refuses to run as root), listens on 127.0.0.1 on a
free port and on a socket inside that folder, creates the database
``civicdesk`` and runs COMMAND with ``DATABASE_URL`` pointing at it. Exits with
COMMAND's status; 3 when no server binaries are installed. ``--find`` only
prints the binaries' folder (exit 3 if there is none).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

NOT_INSTALLED = 3


def find_bindir() -> Path | None:
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    candidates += [Path(p) for p in versions]
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists() and (folder / "postgres").exists():
            return folder
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """A throw-away PostgreSQL cluster in a temporary folder: ``start()``, ``stop()``, ``start()`` again, ``remove()``.

    Tests use it to take a database away from a running process and give it back.
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="civicdesk-pg-"))
        self.user: int | None = None
        self.group: int | None = None
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.root, nobody.pw_uid, nobody.pw_gid)
            self.user, self.group = nobody.pw_uid, nobody.pw_gid
        self.data, self.log = self.root / "data", self.root / "server.log"
        self.port = free_port()
        self.running = False
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/civicdesk"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [str(self.bindir / program), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=self.root,
            user=self.user,
            group=self.group,
        )

    def start(self) -> None:
        # A throw-away cluster: durability settings off for speed; nothing here outlives the run.
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        self.running = True

    def create_database(self) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "civicdesk")

    def stop(self) -> None:
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
            self.running = False

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--find"]:
        bindir = find_bindir()
        if bindir is None:
            return NOT_INSTALLED
        print(bindir)
        return 0
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        print(__doc__, file=sys.stderr)
        return 2
    command = argv[argv.index("--") + 1 :]
    bindir = find_bindir()
    if bindir is None:
        print("with_postgres: PostgreSQL server binaries (initdb, pg_ctl) not found", file=sys.stderr)
        return NOT_INSTALLED

    cluster: Cluster | None = None
    try:
        cluster = Cluster(bindir)
        cluster.start()
        cluster.create_database()
        print(f"with_postgres: PostgreSQL ({bindir}) running at {cluster.url}", file=sys.stderr, flush=True)
        return subprocess.run(command, env={**os.environ, "DATABASE_URL": cluster.url}).returncode
    except subprocess.CalledProcessError as error:
        print(f"with_postgres: {' '.join(map(str, error.cmd))} failed (exit {error.returncode})", file=sys.stderr)
        if cluster is not None and cluster.log.exists():
            print(cluster.log.read_text()[-2000:], file=sys.stderr)
        return 1
    finally:
        if cluster is not None:
            cluster.remove()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
