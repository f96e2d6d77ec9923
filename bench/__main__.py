"""`python -m bench [PART ...]`: the records API beside its yardstick, the shop API, GET /all, the load
client, the metrics' cost (PostgreSQL, one worker, concurrency 32) and the chat; prints tables."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import httpx
import psycopg

from bench.chat import chat_table, print_chat_table
from bench.wrk import LoadResult, combined, run_wrk
from devtools.ports import free_port
from devtools.postgres import PostgresCluster
from devtools.processes import answers_ok
from devtools.server import STARTUP_TIMEOUT_S, ServerProcess
from server.config.paths import PROJECT_ROOT
from server.db import migrations

CONCURRENCY = 32
# Both servers' database pools are sized by PostgreSQL's own rule for a database on this machine's cores
# (about 2 x cores + 1 connections, the wiki's "Number Of Database Connections"), not to the client's
# concurrency: on two cores, 32 backends for 32 requests in flight made them wait in the kernel's run
# queue instead of the pool, and cost PostgreSQL a third more CPU a cart list (271 against 204 us, p99
# 16-27 ms against 15-18; bench/PROFILES.md).
DB_POOL_SIZE = 2 * (os.cpu_count() or 1) + 1
SEEDED = 300_000
STREAMED = 1_000_000
RECORD_MARKER = b'"uuid"'
SHOP_ITEMS = 1_000
SHOP_CARTS = 10_000
LOAD_CLIENT_SECONDS = 30
# Turns each side of a side-by-side line gets, alternating: the machine's load moves within seconds.
ALTERNATIONS = 3
# The metrics' cost is a few percent of a request: more, shorter turns than the yardstick's lines.
METRICS_ALTERNATIONS = 8
LOAD_CLIENT_PRODUCERS = 2
# Only the 10 oldest records are visible at a time: a second consumer adds requests, not deletes.
LOAD_CLIENT_CONSUMERS = 1
# The client shares the two cores with the server: with two workers it competes for them.
LOAD_CLIENT_WORKERS = (1, 2)


def seeded_uuid(n: int) -> uuid.UUID:
    """The uuids bench/records.lua asks for: it formats the same pattern."""
    return uuid.UUID(f"{n:08x}-0000-4000-8000-000000000000")


def seed(url: str, count: int, make_uuid: Callable[[int], uuid.UUID] = seeded_uuid) -> None:
    """Refill the records table directly with COPY: the API under test is not the way in."""
    with psycopg.connect(url) as connection:
        connection.execute("TRUNCATE records")
        with connection.cursor().copy("COPY records (uuid, text) FROM STDIN") as copy:
            for n in range(count):
                copy.write_row((make_uuid(n), f"seeded text {n:07d}"))
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE records")


def _memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


@contextmanager
def _server(url: str, log: Path, workers: int = 1, **settings: str) -> Iterator[ServerProcess]:
    env = {"DB_POOL_SIZE": str(DB_POOL_SIZE), "VALIDATE_RESPONSES": "false", **settings}
    with ServerProcess(url, workers=workers, env=env, log_path=log) as server:
        yield server


@contextmanager
def _yardstick(url: str, log: Path) -> Iterator[tuple[str, int]]:
    """bench/yardstick.py as its own uvicorn process; yields its base URL and pid."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.yardstick",
                "--port",
                str(port),
                "--pool-size",
                str(DB_POOL_SIZE),
            ],
            cwd=PROJECT_ROOT,
            env={**os.environ, "DATABASE_URL": url},
            stdout=output,
            stderr=output,
        )
        try:
            if not answers_ok(process, f"{base_url}/healthz", STARTUP_TIMEOUT_S):
                raise RuntimeError(f"the yardstick did not start: see {log}")
            yield base_url, process.pid
        finally:
            process.terminate()
            process.wait(timeout=15)


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used, from /proc (fields 14 and 15 of its stat line)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Side(NamedTuple):
    load: LoadResult
    # The server's own CPU per request: what a neighbour on the shared cores barely moves.
    cpu_us_per_request: float


class SideBySide(NamedTuple):
    """One operation measured on the service and on the yardstick, in alternating turns."""

    name: str
    ours: Side
    yardstick: Side
    per_request: int


def turn_seconds(seconds: int) -> int:
    """How long each alternating turn lasts: a line's seconds split over ALTERNATIONS turns a side."""
    return max(1, seconds // ALTERNATIONS)


def _alternating(
    server: tuple[str, int],
    yardstick: tuple[str, int],
    ours: Callable[[int], tuple[str, ...]],
    theirs: Callable[[int], tuple[str, ...]],
    seconds: int,
    alternations: int = ALTERNATIONS,
) -> tuple[Side, Side]:
    """Both sides in `alternations` turns each, so that a noisy neighbour lands on both alike."""
    turn_s = turn_seconds(seconds)
    runs: tuple[list[LoadResult], list[LoadResult]] = ([], [])
    cpu = [0.0, 0.0]
    for turn in range(alternations):
        for side, ((base, pid), args) in enumerate(((server, ours), (yardstick, theirs))):
            before = cpu_seconds(pid)
            runs[side].append(
                run_wrk(base, "records.lua", *args(turn), concurrency=CONCURRENCY, seconds=turn_s)
            )
            cpu[side] += cpu_seconds(pid) - before
    loads = combined(runs[0]), combined(runs[1])
    return (
        Side(loads[0], 1e6 * cpu[0] / max(1, loads[0].requests)),
        Side(loads[1], 1e6 * cpu[1] / max(1, loads[1].requests)),
    )


def load_table(url: str, log: Path, seconds: int) -> list[SideBySide]:
    """Each hot records operation on the service and on the yardstick, in alternating turns."""
    seed(url, SEEDED)
    # Each turn deletes from its own range of seeded uuids, so that no turn deletes another's records.
    share = SEEDED // (2 * ALTERNATIONS)
    runs: list[tuple[str, Callable[[int], tuple[str, ...]], Callable[[int], tuple[str, ...]], int]] = [
        ("GET /{uuid}", lambda _: ("get", str(SEEDED)), lambda _: ("get", str(SEEDED)), 1),
        ("GET /10", lambda _: ("count",), lambda _: ("count",), 1),
        (
            "DELETE /{uuid}",
            lambda turn: ("delete", str(turn * share)),
            lambda turn: ("delete", str((ALTERNATIONS + turn) * share)),
            1,
        ),
        ("POST /new (batches of 100)", lambda _: ("post",), lambda _: ("post",), 100),
    ]
    with _server(url, log) as server, _yardstick(url, log) as yardstick:
        for base in (server.base_url, yardstick[0]):
            run_wrk(base, "records.lua", "get", str(SEEDED), concurrency=CONCURRENCY, seconds=3)
        return [
            SideBySide(
                name, *_alternating((server.base_url, server.pid), yardstick, ours, theirs, seconds), n
            )
            for name, ours, theirs, n in runs
        ]


def metrics_cost(url: str, log: Path, seconds: int) -> tuple[Side, Side]:
    """GET /{uuid} on two servers, METRICS off and on, in alternating turns like the yardstick's lines.

    Best-of-N throughput runs of one server after the other moved by more than the cost measured; CPU
    per request over alternating turns is what held still from run to run.
    """
    seed(url, SEEDED)
    get = ("get", str(SEEDED))
    with _server(url, log, METRICS="false") as off, _server(url, log, METRICS="true") as on:
        for server in (off, on):
            run_wrk(server.base_url, "records.lua", *get, concurrency=CONCURRENCY, seconds=2)
        return _alternating(
            (off.base_url, off.pid),
            (on.base_url, on.pid),
            lambda _: get,
            lambda _: get,
            seconds,
            METRICS_ALTERNATIONS,
        )


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


def print_metrics_cost(sides: tuple[Side, Side], seconds: int) -> None:
    off, on = sides
    cost_us = middleware_microseconds()
    print(
        f"\nGET /{{uuid}} metrics off vs on ({METRICS_ALTERNATIONS} alternating turns of "
        f"{turn_seconds(seconds)} s a side): "
        f"{off.load.per_second:,.0f} vs {on.load.per_second:,.0f} requests/s "
        f"({on.load.per_second / off.load.per_second:.1%} kept), "
        f"{off.cpu_us_per_request:.0f} vs {on.cpu_us_per_request:.0f} us of server CPU a request "
        f"({off.cpu_us_per_request / on.cpu_us_per_request:.1%} kept), "
        f"p99 {off.load.p99_ms:.1f} vs {on.load.p99_ms:.1f} ms; the middleware alone {cost_us:.1f} us a "
        "request in a loop that never suspends"
    )


def seed_shop(url: str) -> None:
    """SHOP_ITEMS items and SHOP_CARTS carts of 1 to 5 lines each, written directly with COPY."""
    with psycopg.connect(url) as connection:
        connection.execute("TRUNCATE cart_items, carts, items RESTART IDENTITY")
        with connection.cursor().copy("COPY items (name, price, deleted) FROM STDIN") as copy:
            for n in range(1, SHOP_ITEMS + 1):
                copy.write_row((f"item {n}", n % 97 + 0.25, False))
        with connection.cursor().copy("COPY carts (id) FROM STDIN") as copy:
            for n in range(1, SHOP_CARTS + 1):
                copy.write_row((n,))
        connection.execute("SELECT setval('carts_id_seq', %s)", (SHOP_CARTS,))
        with connection.cursor().copy("COPY cart_items (cart_id, item_id, quantity) FROM STDIN") as copy:
            for cart in range(1, SHOP_CARTS + 1):
                for k in range(cart % 5 + 1):
                    copy.write_row((cart, (cart * 7 + k * 131) % SHOP_ITEMS + 1, k + 1))
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def shop_table(url: str, log: Path, seconds: int) -> list[tuple[str, LoadResult, int]]:
    seed_shop(url)
    runs = [
        ("POST /item", "create_item"),
        ("GET /item/{id}", "get_item"),
        ("POST /cart/{id}/add/{item_id}", "add"),
        ("GET /cart/{id}", "get_cart"),
        ("GET /cart?min_price=&max_price=", "list_carts"),
    ]
    sizes = (str(SHOP_ITEMS), str(SHOP_CARTS))
    with _server(url, log) as server:
        base = server.base_url
        run_wrk(base, "shop.lua", "get_cart", *sizes, concurrency=CONCURRENCY, seconds=3)
        return [
            (name, run_wrk(base, "shop.lua", mode, *sizes, concurrency=CONCURRENCY, seconds=seconds), 1)
            for name, mode in runs
        ]


def stream_memory(url: str, log: Path) -> tuple[int, float, int]:
    """Records streamed by GET /all, seconds taken, and the server's peak RSS growth in KiB."""
    seed(url, STREAMED, lambda _: uuid.uuid4())
    with _server(url, log) as server:
        httpx.get(f"{server.base_url}/1")
        baseline = _memory_kib(server.pid, "VmRSS")
        started = time.perf_counter()
        received, tail = 0, b""
        with httpx.stream("GET", f"{server.base_url}/all", timeout=300) as response:
            for chunk in response.iter_bytes():
                # A marker may straddle two chunks: count over the seam, never twice.
                window = tail + chunk
                received += window.count(RECORD_MARKER)
                tail = window[-(len(RECORD_MARKER) - 1) :]
        elapsed = time.perf_counter() - started
        peak = _memory_kib(server.pid, "VmHWM")
    return received, elapsed, peak - baseline


def load_client_rates(url: str, log: Path, seconds: int, workers: int) -> tuple[float, float, int]:
    """Records inserted and deleted per second by `python -m loadclient`, and its error count."""
    seed(url, 0)
    with _server(url, log, workers) as server:
        output = subprocess.run(
            [
                sys.executable,
                "-m",
                "loadclient",
                "--base-url",
                server.base_url,
                "--duration",
                str(seconds),
                "--report-every",
                str(seconds),
                "--producers",
                str(LOAD_CLIENT_PRODUCERS),
                "--consumers",
                str(LOAD_CLIENT_CONSUMERS),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    summary = re.search(r"^summary \| inserted (\d+) deleted (\d+) races \d+ errors (\d+)", output, re.M)
    if summary is None:
        raise RuntimeError(f"no summary from the load client:\n{output}")
    inserted, deleted, errors = map(int, summary.groups())
    return inserted / seconds, deleted / seconds, errors


def print_table(title: str, rows: list[tuple[str, LoadResult, int]], seconds: int) -> None:
    print(f"\n{title} on PostgreSQL, 1 uvicorn worker, concurrency {CONCURRENCY}, {seconds} s each\n")
    header = ("operation", "requests/s", "records/s", "p50 ms", "p99 ms", "errors")
    print("| {:<32} | {:>10} | {:>10} | {:>7} | {:>7} | {:>6} |".format(*header))
    print(f"|{'-' * 34}|{'-' * 12}|{'-' * 12}|{'-' * 9}|{'-' * 9}|{'-' * 8}|")
    for name, result, per_request in rows:
        print(
            f"| {name:<32} | {result.per_second:>10,.0f} | {result.per_second * per_request:>10,.0f} |"
            f" {result.p50_ms:>7.1f} | {result.p99_ms:>7.1f} | {result.errors:>6} |"
        )


def print_side_by_side(title: str, rows: list[SideBySide], seconds: int) -> None:
    print(
        f"\n{title} on PostgreSQL, 1 uvicorn worker each, concurrency {CONCURRENCY}, {seconds} s a side"
        f" in {ALTERNATIONS} alternating turns; ours / yardstick (bench/yardstick.py: bare Starlette +"
        " psycopg 3 + raw SQL) by requests/s and by the servers' CPU per request\n"
    )
    widths = (28, 10, 10, 9, 9, 9, 9, 9, 6, 6)
    header = (
        "operation",
        "ours req/s",
        "yard req/s",
        "req ratio",
        "ours µs",
        "yard µs",
        "CPU ratio",
        "records/s",
        "p50 ms",
        "p99 ms",
    )
    cells = [
        f"{h:<{w}}" if i == 0 else f"{h:>{w}}" for i, (h, w) in enumerate(zip(header, widths, strict=True))
    ]
    print("| " + " | ".join(cells) + " |")
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for row in rows:
        ours, theirs = row.ours, row.yardstick
        figures = (
            f"{ours.load.per_second:,.0f}",
            f"{theirs.load.per_second:,.0f}",
            f"{ours.load.per_second / theirs.load.per_second:.2f}",
            f"{ours.cpu_us_per_request:,.0f}",
            f"{theirs.cpu_us_per_request:,.0f}",
            f"{theirs.cpu_us_per_request / ours.cpu_us_per_request:.2f}",
            f"{ours.load.per_second * row.per_request:,.0f}",
            f"{ours.load.p50_ms:.1f}",
            f"{ours.load.p99_ms:.1f}",
        )
        cells = [f"{row.name:<{widths[0]}}"] + [f"{f:>{w}}" for f, w in zip(figures, widths[1:], strict=True)]
        print("| " + " | ".join(cells) + " |")
        if ours.load.errors or theirs.load.errors:
            print(f"|   errors: ours {ours.load.errors}, yardstick {theirs.load.errors}")


PARTS = ("records", "shop", "stream", "loadclient", "metrics", "chat")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="duration of each load run")
    # No `choices`: Python 3.11's argparse checks an empty `*` list against them and refuses it.
    parser.add_argument("parts", nargs="*", help=f"what to run, any of {', '.join(PARTS)} (default: all)")
    args = parser.parse_args()
    parts = set(args.parts or PARTS)
    if unknown := parts - set(PARTS):
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}: choose from {', '.join(PARTS)}")
    log = Path(tempfile.mkdtemp(prefix="bench-")) / "server.log"
    with PostgresCluster() as cluster:
        url = cluster.create_database("bench")
        migrations.upgrade(url)
        if "records" in parts:
            print_side_by_side("records API", load_table(url, log, args.seconds), args.seconds)
        if "stream" in parts:
            streamed, stream_s, growth_kib = stream_memory(url, log)
            print(
                f"\nGET /all: {streamed:,} records in {stream_s:.1f} s; "
                f"server peak memory growth {growth_kib / 1024:.1f} MB"
            )
        if "loadclient" in parts:
            for workers in LOAD_CLIENT_WORKERS:
                inserts_per_s, deletes_per_s, client_errors = load_client_rates(
                    url, log, LOAD_CLIENT_SECONDS, workers
                )
                print(
                    f"\nload client ({LOAD_CLIENT_PRODUCERS} producers, {LOAD_CLIENT_CONSUMERS} consumers) "
                    f"for {LOAD_CLIENT_SECONDS} s, {workers} worker(s): {inserts_per_s:,.0f} records/s "
                    f"inserted, {deletes_per_s:,.0f} records/s deleted, {client_errors} errors"
                )
        if "shop" in parts:
            print_table("shop API (10,000 carts)", shop_table(url, log, args.seconds), args.seconds)
        if "metrics" in parts:
            print_metrics_cost(metrics_cost(url, log, args.seconds), args.seconds)
        if "chat" in parts:
            chat_sqlite = f"sqlite:///{log.parent / 'chat.sqlite3'}"
            print_chat_table(chat_table(url, chat_sqlite, log, args.seconds), args.seconds)


if __name__ == "__main__":
    main()
