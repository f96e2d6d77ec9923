"""`python -m bench`: records and shop (PostgreSQL, 1 worker, concurrency 32), then chat; prints tables."""

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

import httpx
import psycopg

from bench.chat import chat_table, print_chat_table
from bench.wrk import LoadResult, run_wrk
from server.db import migrations
from tests.utils.postgres import PostgresCluster
from tests.utils.server import ServerProcess

CONCURRENCY = 32
SEEDED = 300_000
STREAMED = 1_000_000
RECORD_MARKER = b'"uuid"'
SHOP_ITEMS = 1_000
SHOP_CARTS = 10_000
LOAD_CLIENT_SECONDS = 30
LOAD_CLIENT_PRODUCERS = 2
# Only the 10 oldest records are visible at a time: a second consumer adds requests, not deletes.
LOAD_CLIENT_CONSUMERS = 1
# Alternating servers with metrics off and on, best of each: this machine's noise between runs is larger
# than the cost measured.
METRICS_COST_ROUNDS = 3


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
def _server(url: str, log: Path, **settings: str) -> Iterator[ServerProcess]:
    env = {"DB_POOL_SIZE": str(CONCURRENCY), "VALIDATE_RESPONSES": "false", **settings}
    with ServerProcess(url, env=env, log_path=log) as server:
        yield server


def load_table(url: str, log: Path, seconds: int) -> list[tuple[str, LoadResult, int]]:
    """(operation, wrk result, records per request) for each hot operation."""
    seed(url, SEEDED)
    runs = [
        ("GET /{uuid}", ("get", str(SEEDED)), 1),
        ("GET /10", ("count",), 1),
        ("DELETE /{uuid}", ("delete", str(SEEDED)), 1),
        ("POST /new (batches of 100)", ("post",), 100),
    ]
    with _server(url, log) as server:
        run_wrk(server.base_url, "records.lua", "get", str(SEEDED), concurrency=CONCURRENCY, seconds=3)
        return [
            (
                name,
                run_wrk(server.base_url, "records.lua", *args, concurrency=CONCURRENCY, seconds=seconds),
                n,
            )
            for name, args, n in runs
        ]


def metrics_cost(url: str, log: Path, seconds: int) -> dict[bool, LoadResult]:
    """GET /{uuid} with METRICS off (False) and on (True): the best run of each."""
    seed(url, SEEDED)
    best: dict[bool, LoadResult] = {}
    for _ in range(METRICS_COST_ROUNDS):
        for metrics in (False, True):
            with _server(url, log, METRICS=str(metrics).lower()) as server:
                run_wrk(
                    server.base_url, "records.lua", "get", str(SEEDED), concurrency=CONCURRENCY, seconds=2
                )
                result = run_wrk(
                    server.base_url,
                    "records.lua",
                    "get",
                    str(SEEDED),
                    concurrency=CONCURRENCY,
                    seconds=seconds,
                )
            if metrics not in best or result.per_second > best[metrics].per_second:
                best[metrics] = result
    return best


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


def print_metrics_cost(best: dict[bool, LoadResult], seconds: int) -> None:
    off, on = best[False], best[True]
    cost_us = middleware_microseconds()
    print(
        f"\nGET /{{uuid}} metrics off vs on (best of {METRICS_COST_ROUNDS} x {seconds} s each): "
        f"{off.per_second:,.0f} vs {on.per_second:,.0f} requests/s "
        f"({on.per_second / off.per_second:.1%} kept), "
        f"p99 {off.p99_ms:.1f} vs {on.p99_ms:.1f} ms; the middleware alone {cost_us:.1f} us a request, "
        f"{cost_us / (1e6 / off.per_second):.1%} of a request at the metrics-off rate"
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


def load_client_rates(url: str, log: Path, seconds: int) -> tuple[float, float, int]:
    """Records inserted and deleted per second by `python -m loadclient`, and its error count."""
    seed(url, 0)
    with _server(url, log) as server:
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


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="duration of each load run")
    parser.add_argument("--only-metrics-cost", action="store_true", help="run only the metrics on/off line")
    args = parser.parse_args()
    log = Path(tempfile.mkdtemp(prefix="bench-")) / "server.log"
    with PostgresCluster() as cluster:
        url = cluster.create_database("bench")
        migrations.upgrade(url)
        cost = metrics_cost(url, log, args.seconds)
        if args.only_metrics_cost:
            print_metrics_cost(cost, args.seconds)
            return
        rows = load_table(url, log, args.seconds)
        shop_rows = shop_table(url, log, args.seconds)
        streamed, stream_s, growth_kib = stream_memory(url, log)
        inserts_per_s, deletes_per_s, client_errors = load_client_rates(url, log, LOAD_CLIENT_SECONDS)
        chat_rows = chat_table(url, f"sqlite:///{log.parent / 'chat.sqlite3'}", log, args.seconds)
    print_table("records API", rows, args.seconds)
    print(
        f"\nGET /all: {streamed:,} records in {stream_s:.1f} s; "
        f"server peak memory growth {growth_kib / 1024:.1f} MB"
    )
    print(
        f"load client ({LOAD_CLIENT_PRODUCERS} producers, {LOAD_CLIENT_CONSUMERS} consumers) for "
        f"{LOAD_CLIENT_SECONDS} s: {inserts_per_s:,.0f} records/s inserted, {deletes_per_s:,.0f} records/s "
        f"deleted, {client_errors} errors"
    )
    print_table("shop API (10,000 carts)", shop_rows, args.seconds)
    print_metrics_cost(cost, args.seconds)
    print_chat_table(chat_rows, args.seconds)


if __name__ == "__main__":
    main()
