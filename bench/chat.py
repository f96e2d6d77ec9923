"""`python -m bench.chat`: one room of 50 clients, each sending; messages delivered per second and latency.

Each client sends at a fixed rate (an open loop, so a slow server shows as latency, not as fewer sends)
and receives every other client's messages: 50 senders at R messages/s are 49 x 50 x R deliveries/s.
Latency is from the send to its delivery to each room-mate, on one clock (the clients share a process);
the clients' sends are spread evenly over time.
Runs on PostgreSQL with one server process, then with two (25 clients on each), then on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from devtools.chat import chat_url
from devtools.postgres import PostgresCluster
from devtools.server import ServerProcess
from server.db import migrations

CLIENTS = 50
RATES = (2, 10, 20)
# Sends in the first seconds (connections, caches, the JIT-less warm-up of every path) are not counted.
WARMUP_S = 2.0
# Messages still in flight when sending stops are waited for this long.
DRAIN_S = 2.0
CONNECT_S = 1.0
# The server's rate limit stays out of the way of the offered load, and its send queues are long enough
# that an overloaded server (or bench client: all 50 share one process and a busy machine) shows as
# latency: with the default queue of 256, a client descheduled for a quarter of a second at R = 20 (980
# messages/s for each client) is dropped, and the run measures the drops.
SERVER_ENV = {"CHAT_MESSAGES_PER_SECOND": "1000", "CHAT_SEND_QUEUE": "100000"}


@dataclass(frozen=True)
class ChatResult:
    setup: str
    rate_per_client: int
    sent: int
    delivered: int
    seconds: float
    p50_ms: float
    p99_ms: float
    dropped: int

    @property
    def delivered_per_second(self) -> float:
        return self.delivered / self.seconds

    @property
    def delivered_share(self) -> float:
        return self.delivered / max(1, self.sent * (CLIENTS - 1))


@dataclass
class Tally:
    """What the clients of one run counted, from the end of the warm-up on."""

    counted_from_ns: int
    sent: int = 0
    delivered: int = 0
    # Clients the server closed (a client too slow to read is dropped with 4003): the load was too high.
    dropped: int = 0

    def __post_init__(self) -> None:
        self.latencies_ms: list[float] = []


async def _client(
    session: aiohttp.ClientSession, url: str, rate: int, begin: float, stop: float, tally: Tally
) -> None:
    async with session.ws_connect(url, compress=0) as ws:

        async def receive() -> None:
            async for message in ws:
                received_ns = time.monotonic_ns()
                sent_ns = int(message.data.split(" :: ", 1)[1])
                if sent_ns >= tally.counted_from_ns:
                    tally.latencies_ms.append((received_ns - sent_ns) / 1e6)
                    tally.delivered += 1

        receiving = asyncio.create_task(receive())
        await asyncio.sleep(max(0.0, begin - time.monotonic()))
        interval, sends = 1.0 / rate, 0
        while (now := time.monotonic()) < stop and not ws.closed:
            sent_ns = time.monotonic_ns()
            try:
                await ws.send_str(str(sent_ns))
            except aiohttp.ClientConnectionResetError:
                break
            if sent_ns >= tally.counted_from_ns:
                tally.sent += 1
            sends += 1
            await asyncio.sleep(max(0.0, begin + sends * interval - now))
        await asyncio.sleep(DRAIN_S)
        receiving.cancel()
        if ws.closed:
            tally.dropped += 1


async def run_room(base_urls: Sequence[str], rate: int, seconds: float, setup: str) -> ChatResult:
    """CLIENTS clients in one room, spread evenly over the servers, each sending `rate` messages/s."""
    room = f"bench-{time.monotonic_ns()}"
    begin = time.monotonic() + CONNECT_S
    tally = Tally(counted_from_ns=int((begin + WARMUP_S) * 1e9))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        await asyncio.gather(
            *(
                _client(
                    session,
                    chat_url(base_urls[n % len(base_urls)], room),
                    rate,
                    # Clients take turns through each interval: 50 sends at one instant would be a burst
                    # of 2,450 deliveries, and the last in line would measure the burst.
                    begin + n / (CLIENTS * rate),
                    begin + WARMUP_S + seconds,
                    tally,
                )
                for n in range(CLIENTS)
            )
        )
    quantiles = (
        statistics.quantiles(tally.latencies_ms, n=100)
        if len(tally.latencies_ms) > 1
        else [float("nan")] * 99
    )
    return ChatResult(
        setup, rate, tally.sent, tally.delivered, seconds, quantiles[49], quantiles[98], tally.dropped
    )


@contextmanager
def _servers(url: str, count: int, log: Path) -> Iterator[list[str]]:
    with ExitStack() as stack:
        yield [
            stack.enter_context(ServerProcess(url, env=SERVER_ENV, log_path=log)).base_url
            for _ in range(count)
        ]


def chat_table(postgres_url: str, sqlite_url: str, log: Path, seconds: float) -> list[ChatResult]:
    results = []
    for setup, url, processes in (
        ("PostgreSQL, 1 process", postgres_url, 1),
        ("PostgreSQL, 2 processes", postgres_url, 2),
        ("SQLite, 1 process", sqlite_url, 1),
    ):
        with _servers(url, processes, log) as base_urls:
            for rate in RATES:
                results.append(asyncio.run(run_room(base_urls, rate, seconds, setup)))
    return results


def print_chat_table(results: list[ChatResult], seconds: float) -> None:
    print(f"\nchat: one room of {CLIENTS} clients, each sending R messages/s, {seconds:g} s each\n")
    header = ("setup", "R", "sent/s", "delivered/s", "delivered", "p50 ms", "p99 ms", "dropped")
    print("| {:<24} | {:>3} | {:>7} | {:>11} | {:>9} | {:>7} | {:>7} | {:>7} |".format(*header))
    print("|" + "|".join("-" * (width + 2) for width in (24, 3, 7, 11, 9, 7, 7, 7)) + "|")
    for r in results:
        print(
            f"| {r.setup:<24} | {r.rate_per_client:>3} | {r.sent / r.seconds:>7,.0f} |"
            f" {r.delivered_per_second:>11,.0f} | {r.delivered_share:>9.1%} | {r.p50_ms:>7.1f} |"
            f" {r.p99_ms:>7.1f} | {r.dropped:>7} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chat", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10, help="measured duration of each run")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="bench-chat-"))
    with PostgresCluster() as cluster:
        url = cluster.create_database("bench_chat")
        migrations.upgrade(url)
        sqlite_url = f"sqlite:///{directory / 'service.sqlite3'}"
        results = chat_table(url, sqlite_url, directory / "server.log", args.seconds)
    print_chat_table(results, args.seconds)


if __name__ == "__main__":
    main()
