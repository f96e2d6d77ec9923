"""The processes the bench measures: the service as users start it, and the peers it is compared with."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from bench.machine import TICKS, stat_fields
from devtools.ports import free_port
from devtools.processes import answers_ok
from devtools.server import STARTUP_TIMEOUT_S, ServerProcess
from server.config.paths import PROJECT_ROOT

# Both servers' database pools are sized by PostgreSQL's own rule for a database on this machine's cores
# (about 2 x cores + 1 connections, the wiki's "Number Of Database Connections"), not to the client's
# concurrency: on two cores, 32 backends for 32 requests in flight made them wait in the kernel's run
# queue instead of the pool, and cost PostgreSQL a third more CPU a cart list (271 against 204 us, p99
# 16-27 ms against 15-18; bench/PROFILES.md).
DB_POOL_SIZE = 2 * (os.cpu_count() or 1) + 1
# The service at its defaults: ServerProcess starts servers at LOG_LEVEL=warning for the tests' sake.
DEFAULT_LOG_LEVEL = "info"
# The peers: bench/yardstick.py (bare Starlette) and bench/fastapi_peer.py (FastAPI), same pool and SQL.
YARDSTICK = "bench.yardstick"
FASTAPI_PEER = "bench.fastapi_peer"


class Target(NamedTuple):
    """A server under load: where it answers, and the process whose CPU it spends."""

    base_url: str
    pid: int


@contextmanager
def service(url: str, log: Path, workers: int = 1, **settings: str) -> Iterator[ServerProcess]:
    """`python -m server` at its default settings but for the pool size and what `settings` change."""
    env = {
        "DB_POOL_SIZE": str(DB_POOL_SIZE),
        "LOG_LEVEL": DEFAULT_LOG_LEVEL,
        "VALIDATE_RESPONSES": "false",
        **settings,
    }
    with ServerProcess(url, workers=workers, env=env, log_path=log) as server:
        yield server


@contextmanager
def peer(module: str, url: str, log: Path) -> Iterator[Target]:
    """One of the peers (YARDSTICK, FASTAPI_PEER) as its own uvicorn process."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", module, "--port", str(port), "--pool-size", str(DB_POOL_SIZE)],
            cwd=PROJECT_ROOT,
            env={**os.environ, "DATABASE_URL": url},
            stdout=output,
            stderr=output,
        )
        try:
            if not answers_ok(process, f"{base_url}/healthz", STARTUP_TIMEOUT_S):
                raise RuntimeError(f"{module} did not start: see {log}")
            yield Target(base_url, process.pid)
        finally:
            process.terminate()
            process.wait(timeout=15)


@contextmanager
def under_granian(target: str, url: str, log: Path, *, factory: bool = False, **env: str) -> Iterator[Target]:
    """An ASGI app (`module:attribute`) served by granian, one worker on uvloop, no access log."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "granian", "--interface", "asgi", "--loop", "uvloop", "--workers", "1",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
        *(["--factory"] if factory else []), target,
    ]  # fmt: skip
    with open(log, "ab") as output, tempfile.TemporaryDirectory() as metrics:
        environment = {
            **os.environ,
            "DATABASE_URL": url,
            "DB_POOL_SIZE": str(DB_POOL_SIZE),
            "BENCH_POOL_SIZE": str(DB_POOL_SIZE),
            # The service writes its metrics where `python -m server` would have it write them.
            "PROMETHEUS_MULTIPROC_DIR": metrics,
            "LOG_LEVEL": DEFAULT_LOG_LEVEL,
            **env,
        }
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=output)
        try:
            if not answers_ok(process, f"{base_url}/healthz", STARTUP_TIMEOUT_S):
                raise RuntimeError(f"granian serving {target} did not start: see {log}")
            yield Target(base_url, process.pid)
        finally:
            process.terminate()
            process.wait(timeout=15)


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process and its workers have used, from /proc (their stat lines)."""
    total = 0
    for process in (pid, *_children(pid)):
        if fields := stat_fields(process):
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []
