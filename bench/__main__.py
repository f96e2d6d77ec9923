"""`python -m bench [PART ...]`: the records API beside its yardstick and the FastAPI peer, 1 and 2 workers,
the shop API, GET /all, the load client, what metrics, the access log and tracing cost (PostgreSQL,
concurrency 32), and the chat; prints tables."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

from bench.chat import chat_table, print_chat_table
from bench.costs import middleware_microseconds, print_cost, setting_cost
from bench.records import (
    load_table,
    print_lines,
    print_servers,
    print_workers,
    seed,
    servers_table,
    workers_table,
)
from bench.servers import service
from bench.side_by_side import CONCURRENCY
from bench.wrk import LoadResult, run_wrk
from devtools.otlp import OtlpReceiver
from devtools.postgres import PostgresCluster
from server.db import migrations

# Commits do not wait for the WAL to reach the disk: what the bench compares is the servers, and every
# DELETE and POST waiting on this machine's shared disk gave those lines p99s over a second and turns
# that moved by 3x from one to the next (2026-12-01). The settings of each run are printed with it.
BENCH_DATABASE_SETTINGS = {"synchronous_commit": "off"}
STREAMED = 1_000_000
RECORD_MARKER = b'"uuid"'
SHOP_ITEMS = 1_000
SHOP_CARTS = 10_000
LOAD_CLIENT_SECONDS = 30
LOAD_CLIENT_PRODUCERS = 2
# Only the 10 oldest records are visible at a time: a second consumer adds requests, not deletes.
LOAD_CLIENT_CONSUMERS = 1
# The client shares the two cores with the server: with two workers it competes for them.
LOAD_CLIENT_WORKERS = (1, 2)


def _memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


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
    with service(url, log) as server:
        base = server.base_url
        run_wrk(base, "shop.lua", "get_cart", *sizes, concurrency=CONCURRENCY, seconds=3)
        return [
            (name, run_wrk(base, "shop.lua", mode, *sizes, concurrency=CONCURRENCY, seconds=seconds), 1)
            for name, mode in runs
        ]


def stream_memory(url: str, log: Path) -> tuple[int, float, int]:
    """Records streamed by GET /all, seconds taken, and the server's peak RSS growth in KiB."""
    seed(url, STREAMED, lambda _: uuid.uuid4())
    with service(url, log) as server:
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
    with service(url, log, workers) as server:
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


PARTS = (
    *("records", "workers", "servers", "shop", "stream", "loadclient", "metrics", "accesslog", "tracing"),
    "chat",
)
# Tracing off (no endpoint) against itself, then on at 10% and at every request: requests from wrk carry no
# traceparent, so the parent-based sampler decides at the server as it does for a caller without a trace.
TRACING_SAMPLERS = (
    ("off vs off: no layer, no instrumentation", "", "", "parentbased_always_on", ""),
    ("10% sampled", "", "on", "parentbased_traceidratio", "0.1"),
    ("every request sampled", "", "on", "parentbased_always_on", ""),
)


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
    print(f"PostgreSQL with {BENCH_DATABASE_SETTINGS}; servers' logs in {log}")
    with PostgresCluster(BENCH_DATABASE_SETTINGS) as cluster:
        url = cluster.create_database("bench")
        migrations.upgrade(url)
        if "records" in parts:
            print_lines("records API", load_table(url, log, args.seconds, cluster), args.seconds)
        if "workers" in parts:
            print_workers(workers_table(url, log, args.seconds, cluster), args.seconds)
        if "servers" in parts:
            print_servers(servers_table(url, log, args.seconds, cluster), args.seconds)
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
        if "metrics" in parts or "accesslog" in parts:
            # Two servers of the same settings differ by a few percent on this machine: a setting's cost
            # below that is not shown by its pair, and this pair says how large that is in this run.
            cost = setting_cost(url, log, args.seconds, cluster, "METRICS", "true", "true")
            print_cost(cost, args.seconds, " (A/A: the noise of one pair)", sides="on vs on")
        if "metrics" in parts:
            cost = setting_cost(url, log, args.seconds, cluster, "METRICS", "false", "true")
            alone = middleware_microseconds()
            print_cost(
                cost, args.seconds, f"; the middleware alone {alone:.1f} us a request, never suspending"
            )
        if "accesslog" in parts:
            for log_format in ("text", "json"):
                cost = setting_cost(
                    url, log, args.seconds, cluster, "ACCESS_LOG", "false", "true", LOG_FORMAT=log_format
                )
                print_cost(cost, args.seconds, f" (LOG_FORMAT={log_format}, the lines to a file)")
        if "tracing" in parts:
            with OtlpReceiver(keep=False) as sink:
                for label, off, on, sampler, argument in TRACING_SAMPLERS:
                    cost = setting_cost(
                        url,
                        log,
                        args.seconds,
                        cluster,
                        "OTEL_EXPORTER_OTLP_ENDPOINT",
                        off,
                        sink.endpoint if on else off,
                        OTEL_TRACES_SAMPLER=sampler,
                        OTEL_TRACES_SAMPLER_ARG=argument,
                    )
                    print_cost(
                        cost,
                        args.seconds,
                        f" (tracing {label}; {sink.exports:,} exports so far)",
                        sides="off vs on" if on else "off vs off",
                    )
        if "chat" in parts:
            chat_sqlite = f"sqlite:///{log.parent / 'chat.sqlite3'}"
            print_chat_table(chat_table(url, chat_sqlite, log, args.seconds), args.seconds)


if __name__ == "__main__":
    main()
