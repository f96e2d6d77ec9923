"""`python -m loadclient [records|shop] --base-url URL`: run the load until stopped, reporting every 10 s."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

import uvloop

from loadclient.journal import Journal
from loadclient.records import OLDEST_PER_ROUND, Claims, LoadShape, RecordBound, consume, produce
from loadclient.shop import Pace, Shopper
from loadclient.stats import RecordsStats, ShopStats
from loadclient.tracing import Tracing, TracingConfigError, configured_tracing
from loadclient.transport import CredentialsRefused, open_client


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m loadclient", description=__doc__)
    parser.add_argument(
        "scenario",
        nargs="?",
        default="records",
        choices=["records", "shop"],
        help="records: insert and delete records (the default); shop: simulated shoppers",
    )
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument(
        "--token",
        default=os.environ.get("API_TOKEN") or None,
        help="bearer token, for a server given API_TOKENS (default: $API_TOKEN; none: an open server)",
    )
    parser.add_argument("--report-every", type=float, default=10.0, help="seconds between reports")
    parser.add_argument(
        "--duration", type=float, default=None, help="seconds to run (default: until stopped)"
    )
    parser.add_argument("--producers", type=int, default=2, help="concurrent insert loops")
    parser.add_argument("--consumers", type=int, default=2, help="concurrent fetch-and-delete loops")
    parser.add_argument("--batch-min", type=int, default=10)
    parser.add_argument("--batch-max", type=int, default=100)
    parser.add_argument("--text-length", type=int, default=16)
    parser.add_argument(
        "--max-records",
        type=int,
        default=None,
        help="records: at most this many of this client's records in the table at once; producers wait "
        "for the consumers beyond it (default: no bound)",
    )
    parser.add_argument("--rate", type=float, default=20.0, help="shop: requests per second in all")
    parser.add_argument("--shoppers", type=int, default=4, help="shop: concurrent shoppers")
    parser.add_argument(
        "--journal", type=Path, help="append what the server acknowledged to this file, as JSON lines"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.batch_min <= args.batch_max:
        parser.error("need 1 <= --batch-min <= --batch-max")
    if args.max_records is not None and args.max_records < args.batch_max:
        parser.error("need --max-records >= --batch-max: a batch must fit under the bound")
    if args.rate <= 0 or args.shoppers < 1:
        parser.error("need --rate > 0 and --shoppers >= 1")
    return args


async def _report(stats: RecordsStats | ShopStats, every: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        if not stop.is_set():
            print(stats.interval_line(), flush=True)


def _stop_event(duration: float | None) -> asyncio.Event:
    """Set by SIGINT, SIGTERM or the end of --duration."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if duration is not None:
        loop.call_later(duration, stop.set)
    return stop


async def run_shop(args: argparse.Namespace, tracing: Tracing) -> ShopStats:
    stop = _stop_event(args.duration)
    stats, pace, catalogue = ShopStats(), Pace(args.rate), list[int]()
    client = open_client(args.base_url, args.shoppers, args.token, tracing.trace_configs())
    async with client.get_async_httpx_client():
        await asyncio.gather(
            _report(stats, args.report_every, stop),
            *(Shopper(client, stats, pace, catalogue, stop, tracing).shop() for _ in range(args.shoppers)),
        )
    return stats


async def run(args: argparse.Namespace, tracing: Tracing) -> RecordsStats:
    stop = _stop_event(args.duration)
    stats = RecordsStats()
    shape = LoadShape(args.batch_min, args.batch_max, args.text_length)
    connections = args.producers + args.consumers * OLDEST_PER_ROUND
    client = open_client(args.base_url, connections, args.token, tracing.trace_configs())
    journal = Journal(args.journal)
    claims = Claims()
    bound = RecordBound(args.max_records, stats)
    try:
        async with client.get_async_httpx_client():
            await asyncio.gather(
                _report(stats, args.report_every, stop),
                *(
                    produce(client, stats, journal, shape, stop, bound, tracing)
                    for _ in range(args.producers)
                ),
                *(consume(client, stats, journal, claims, stop, tracing) for _ in range(args.consumers)),
            )
    finally:
        journal.close()
    return stats


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    try:
        tracing = configured_tracing()
    except TracingConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    # uvloop: the client shares two cores with the server, and the default loop's selector was a sixth
    # of its CPU under the bench's run.
    try:
        stats: RecordsStats | ShopStats = (
            uvloop.run(run_shop(args, tracing)) if args.scenario == "shop" else uvloop.run(run(args, tracing))
        )
    except CredentialsRefused as refused:
        hint = "the token is wrong" if args.token else "pass --token or set API_TOKEN"
        print(f"error: the server refused this client's credentials ({hint}): {refused}", file=sys.stderr)
        return 2
    finally:
        # SIGINT and SIGTERM end the run (_stop_event) rather than the process, so this runs for them too.
        tracing.shutdown()
    print(stats.summary_line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
