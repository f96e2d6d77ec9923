"""A throwaway PostgreSQL cluster in a temporary directory, on a free port.

pytest-postgresql runs initdb and pg_ctl as the current user, and initdb refuses to run as root, which
is what CI and containers are; this starts the cluster as the `postgres` user when we are root.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import psycopg

from devtools.ports import free_port


class PostgresUnavailable(RuntimeError):
    pass


def _binary(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise PostgresUnavailable(f"{name} not found: install PostgreSQL (15 or newer)")
    return found


class PostgresCluster:
    def __init__(self, settings: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.settings = settings or {}
        self._root = Path(tempfile.mkdtemp(prefix="pgcluster-"))
        self._data = self._root / "data"
        self._log = self._root / "postgres.log"
        self._user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None

    def _run(self, *args: str) -> None:
        try:
            subprocess.run(
                args,
                check=True,
                capture_output=True,
                text=True,
                user=self._user.pw_uid if self._user else None,
                group=self._user.pw_gid if self._user else None,
                env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
                timeout=120,
            )
        except subprocess.CalledProcessError as error:
            log = self._log.read_text() if self._log.exists() else ""
            raise PostgresUnavailable(f"{' '.join(args)} failed: {error.stderr.strip()}\n{log}") from error

    def start(self) -> PostgresCluster:
        if self._user:
            os.chown(self._root, self._user.pw_uid, self._user.pw_gid)
        self._run(_binary("initdb"), "-D", str(self._data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self.start_server()
        return self

    def start_server(self) -> None:
        """Start (or start again) the server of an initialised cluster, and wait until it accepts."""
        options = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self._root),
            "max_connections": "300",
            **self.settings,
        }
        opts = " ".join(f"-c {key}={value}" for key, value in options.items())
        self._run(
            _binary("pg_ctl"),
            "-D",
            str(self._data),
            "-l",
            str(self._log),
            "-o",
            opts,
            "-w",
            "start",
        )

    def stop_server(self) -> None:
        """Stop the server as an operator's restart does (fast shutdown), keeping the data."""
        self._run(_binary("pg_ctl"), "-D", str(self._data), "-m", "fast", "-w", "stop")

    def processes(self) -> list[int]:
        """The postmaster and every process it started (backends, checkpointer, ...)."""
        postmaster = int((self._data / "postmaster.pid").read_text().split()[0])
        children = []
        for status in Path("/proc").glob("[0-9]*/status"):
            with contextlib.suppress(OSError):
                fields = dict(
                    line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
                )
                if int(fields.get("PPid", "0")) == postmaster:
                    children.append(int(status.parent.name))
        return [postmaster, *children]

    def freeze(self) -> None:
        """SIGSTOP every process of the server: connections stay open and nothing answers."""
        for pid in self.processes():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.processes():
            os.kill(pid, signal.SIGCONT)

    def restart(self) -> None:
        """Stop the server (closing every connection) and start it again on the same port and data."""
        self._run(
            _binary("pg_ctl"), "-D", str(self._data), "-l", str(self._log), "-m", "fast", "-w", "restart"
        )

    def stop(self) -> None:
        if self._data.exists():
            # Already stopped (or never started): the directory goes either way.
            with contextlib.suppress(PostgresUnavailable):
                self._run(_binary("pg_ctl"), "-D", str(self._data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self._root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
