"""`python -m loadclient --base-url URL`: run the load until stopped, reporting every 10 seconds."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path

import uvloop

from loadclient.journal import Journal
from loadclient.loops import OLDEST_PER_ROUND, Claims, LoadShape, consume, produce
from loadclient.stats import Stats
from loadclient.transport import open_client


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m loadclient", description=__doc__)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
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
        "--journal", type=Path, help="append what the server acknowledged to this file, as JSON lines"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.batch_min <= args.batch_max:
        parser.error("need 1 <= --batch-min <= --batch-max")
    return args


async def _report(stats: Stats, every: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        if not stop.is_set():
            print(stats.interval_line(), flush=True)


async def run(args: argparse.Namespace) -> Stats:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if args.duration is not None:
        loop.call_later(args.duration, stop.set)
    stats = Stats()
    shape = LoadShape(args.batch_min, args.batch_max, args.text_length)
    client = open_client(args.base_url, args.producers + args.consumers * OLDEST_PER_ROUND)
    journal = Journal(args.journal)
    claims = Claims()
    try:
        async with client.get_async_httpx_client():
            await asyncio.gather(
                _report(stats, args.report_every, stop),
                *(produce(client, stats, journal, shape, stop) for _ in range(args.producers)),
                *(consume(client, stats, journal, claims, stop) for _ in range(args.consumers)),
            )
    finally:
        journal.close()
    return stats


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    # uvloop: the client shares two cores with the server, and the default loop's selector was a sixth
    # of its CPU under the bench's run.
    stats = uvloop.run(run(args))
    print(stats.summary_line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
