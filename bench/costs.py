"""What one setting costs the service: two servers that differ in it, on one operation, in alternating turns.

Best-of-N throughput runs of one server after the other moved by more than the costs measured; CPU
per request over alternating turns is what held still from run to run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import NamedTuple

from bench.machine import ForeignLoad
from bench.records import SEEDED, seed
from bench.servers import Target, service
from bench.side_by_side import CONCURRENCY, Arguments, Side, alternating, ratio, turn_seconds
from bench.wrk import run_wrk
from devtools.postgres import PostgresCluster

# A cost of a few percent of a request needs more, shorter turns than the records lines.
COST_ALTERNATIONS = 8


class Cost(NamedTuple):
    setting: str
    off: Side
    on: Side
    foreign_load: float
    operation: str = "GET /{uuid}"


def setting_cost(
    url: str,
    log: Path,
    seconds: int,
    cluster: PostgresCluster,
    setting: str,
    off: str,
    on: str,
    **settings: str,
) -> Cost:
    """GET /{uuid} on a server with `setting=off` and one with `setting=on`, alternating."""
    seed(url, SEEDED)
    get = ("get", str(SEEDED))
    with ExitStack() as stack:
        targets = []
        for value in (off, on):
            server = stack.enter_context(service(url, log, 1, **{**settings, setting: value}))
            run_wrk(server.base_url, "records.lua", *get, concurrency=CONCURRENCY, seconds=2)
            targets.append(Target(server.base_url, server.pid))
        sides, foreign = alternating(
            targets, [_same(get)] * 2, seconds, COST_ALTERNATIONS, ForeignLoad(cluster.processes)
        )
    return Cost(setting, sides[0], sides[1], foreign)


def _same(arguments: tuple[str, ...]) -> Arguments:
    return lambda _turn: arguments


def middleware_microseconds() -> float:
    """The metrics middleware's own cost per request, in multiprocess mode as the server runs it."""
    with tempfile.TemporaryDirectory() as directory:
        output = subprocess.run(
            [sys.executable, "-m", "bench.middleware_cost"],
            env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": directory},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return float(output)


def print_cost(cost: Cost, seconds: int, note: str = "", sides: str = "off vs on") -> None:
    off, on = cost.off, cost.on
    print(
        f"\n{cost.operation} {cost.setting} {sides} ({COST_ALTERNATIONS} alternating turns of "
        f"{turn_seconds(seconds, COST_ALTERNATIONS)} s a side, foreign load {cost.foreign_load:.0%}): "
        f"{off.per_second:,.0f} vs {on.per_second:,.0f} requests/s ({ratio(on, off):.1%} kept), "
        f"{off.cpu_us_per_request:.0f} vs {on.cpu_us_per_request:.0f} us of server CPU a request "
        f"({off.cpu_us_per_request / on.cpu_us_per_request:.1%} kept), "
        f"p99 {off.load.p99_ms:.1f} vs {on.load.p99_ms:.1f} ms{note}"
    )
