"""Prometheus metrics: the collectors every layer counts into, and the sampler of the connection pool.

Names and labels follow prometheus-fastapi-instrumentator, the exporter most Grafana dashboards for
Starlette/FastAPI services are written against: `http_requests_total{method, handler, status}` and
`http_request_duration_seconds{method, handler}`, `handler` being the route template as the contract
writes it (`/item/{id}`), and `none` for every request that matched no route, so that a scan of random
paths cannot grow the number of series. Unlike that exporter, `status` is the numeric code.

With several workers (`python -m server` sets PROMETHEUS_MULTIPROC_DIR before they start) every worker
writes its values to files in that directory and a scrape, whichever worker serves it, adds them up
(server.observability.exposition). server.observability.middleware counts the requests.
"""

from __future__ import annotations

import asyncio

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

from server.db.database import Database

# Measured here: p50 2 to 10 ms per route under the end-to-end test's shop load, GET /{uuid} p99 40 ms at
# concurrency 32 (make bench); a request waiting out the pool's 5 s timeout is the slow end.
LATENCY_BUCKETS_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Pool figures are sampled, not tracked per checkout: a second is finer than any scrape interval.
POOL_SAMPLE_INTERVAL_S = 1.0

# The `_created` series of single-process mode double the counters' series, and nothing reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered, by method, route template and status code",
    ["method", "handler", "status"],
)  # fmt: skip
REQUEST_DURATION_NAME = "http_request_duration_seconds"
REQUEST_DURATION = Histogram(
    REQUEST_DURATION_NAME, "Time from the request's arrival to the end of its response",
    ["method", "handler"], buckets=LATENCY_BUCKETS_S,
)  # fmt: skip
# Gauges of the live workers add up; a dead worker's files are dropped at the next scrape.
DB_POOL_SIZE = Gauge("db_pool_connections", "Database connections open", multiprocess_mode="livesum")
DB_POOL_IN_USE = Gauge(
    "db_pool_connections_in_use", "Database connections lent to requests", multiprocess_mode="livesum"
)
DB_POOL_WAITING = Gauge(
    "db_pool_requests_waiting", "Requests waiting for a connection now", multiprocess_mode="livesum"
)
DB_POOL_WAITS = Counter("db_pool_waits_total", "Requests that found no free connection and waited")
DB_POOL_WAIT_SECONDS = Counter("db_pool_wait_seconds_total", "Time requests spent waiting for a connection")
RECORDS_STORED = Counter("records_stored_total", "Records stored by POST /new")
RECORDS_DELETED = Counter("records_deleted_total", "Records deleted by DELETE /{uuid}")
CHAT_CONNECTIONS_OPEN = Gauge(
    "chat_connections_open", "Chat WebSocket connections open", multiprocess_mode="livesum"
)
CHAT_MESSAGES_RELAYED = Counter(
    "chat_messages_relayed_total", "Chat messages sent by clients and relayed to their room"
)


class ChatMetrics:
    """The chat's observer (server.chat.rooms.ChatObserver): its connections and messages, as metrics."""

    def connections_changed(self, open_now: int) -> None:
        CHAT_CONNECTIONS_OPEN.set(open_now)

    def message_relayed(self) -> None:
        CHAT_MESSAGES_RELAYED.inc()


async def sample_pool(db: Database) -> None:
    """Copy the pool's figures into the gauges every POOL_SAMPLE_INTERVAL_S, until cancelled."""
    waits, wait_seconds = 0, 0.0
    while True:
        stats = db.pool_stats()
        DB_POOL_SIZE.set(stats.size)
        DB_POOL_IN_USE.set(stats.in_use)
        DB_POOL_WAITING.set(stats.waiting)
        # The pool counts since it opened; the counters take the increase, so that they survive the worker.
        DB_POOL_WAITS.inc(stats.waits - waits)
        DB_POOL_WAIT_SECONDS.inc(stats.wait_seconds - wait_seconds)
        waits, wait_seconds = stats.waits, stats.wait_seconds
        await asyncio.sleep(POOL_SAMPLE_INTERVAL_S)
