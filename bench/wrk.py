"""Run wrk with a Lua script and read back the figures its done() hook prints."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
THREADS = 2


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def run_wrk(base_url: str, script: str, *args: str, concurrency: int, seconds: int) -> LoadResult:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    command = [
        wrk,
        f"-t{THREADS}",
        f"-c{concurrency}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPTS / script),
        base_url,
        "--",
        *args,
        str(THREADS),
    ]
    # The scripts load report.lua from their own folder.
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=SCRIPTS).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_RESULT "))
    figures = json.loads(line.removeprefix("WRK_RESULT "))
    return LoadResult(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        errors=figures["status_errors"] + figures["socket_errors"],
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
    )


def combined(results: list[LoadResult]) -> LoadResult:
    """Several runs as one: requests and time add up; the latencies are the worst run's."""
    return LoadResult(
        requests=sum(result.requests for result in results),
        seconds=sum(result.seconds for result in results),
        errors=sum(result.errors for result in results),
        p50_ms=max(result.p50_ms for result in results),
        p99_ms=max(result.p99_ms for result in results),
    )
