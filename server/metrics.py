"""Prometheus metrics: the collectors, the middleware that counts requests, and the exposition.

Names and labels follow prometheus-fastapi-instrumentator, the exporter most Grafana dashboards for
Starlette/FastAPI services are written against: `http_requests_total{method, handler, status}` and
`http_request_duration_seconds{method, handler}`, `handler` being the route template as the contract
writes it (`/item/{id}`), and `none` for every request that matched no route, so that a scan of random
paths cannot grow the number of series. Unlike that exporter, `status` is the numeric code.

With several workers (`python -m server` sets PROMETHEUS_MULTIPROC_DIR before they start) every worker
writes its values to files in that directory and a scrape, whichever worker serves it, adds them up.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    values,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import REGISTRY, Collector
from starlette.types import ASGIApp, Receive, Scope, Send

from server.db.engine import Database
from server.errors import RESPONSE_STATUS
from server.routing import ROUTE_TEMPLATE

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
UNMATCHED_ROUTE = "none"
# Methods outside this set share one label: the method is the client's to choose, the series are ours.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "OTHER"
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
REQUEST_DURATION = Histogram(
    "http_request_duration_seconds", "Time from the request's arrival to the end of its response",
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


class MetricsMiddleware:
    """Count every HTTP request and time it, labelled by the route template the router matched.

    Outermost in the stack, so that it sees every answer, the 500s of ProblemMiddleware included. It
    does not wrap `send`: ProblemMiddleware, the one layer that watches responses start, leaves the
    status in `scope["extensions"]` (server.errors.RESPONSE_STATUS), and the router the template of the
    operation it routed to (server.routing.ROUTE_TEMPLATE); the extensions dict is created here so that
    every layer shares it.
    Labelled children are looked up in a dict of our own: 0.06 us, where `labels()` costs 1 us a call.
    Measured by bench.middleware_cost: about 4 us a request in multiprocess mode; in the running server
    metrics on against off cost 4 to 20 us of GET /{uuid}'s 140 to 180 us of CPU, the more the busier
    the shared cores (python -m bench metrics).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._requests: dict[tuple[str, str, int], Any] = {}
        self._durations: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extensions = scope.setdefault("extensions", {})
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            # No response started (an error nobody answered): uvicorn answers it with a 500.
            status = extensions.get(RESPONSE_STATUS, 500)
            self._record(scope["method"], extensions, status, time.perf_counter() - started)

    def _record(self, method: str, extensions: dict[str, Any], status: int, seconds: float) -> None:
        route = extensions.get(ROUTE_TEMPLATE, UNMATCHED_ROUTE)
        if method not in KNOWN_METHODS:
            method = OTHER_METHOD
        counter = self._requests.get((method, route, status))
        if counter is None:
            counter = self._requests[method, route, status] = REQUESTS.labels(method, route, str(status))
        counter.inc()
        histogram = self._durations.get((method, route))
        if histogram is None:
            histogram = self._durations[method, route] = REQUEST_DURATION.labels(method, route)
        histogram.observe(seconds)


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


_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db$")


class _LiveWorkersCollector(Collector):
    """The workers' files added up, after dropping the live-gauge files of workers that are gone.

    uvicorn replaces a worker that dies without telling anyone its pid; a pid that no longer exists is
    the sign. Counters and histograms keep a dead worker's files: the counts it made are not lost.
    prometheus_client's multiprocess module has no type hints, hence the ignores.
    """

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._files = MultiProcessCollector(None, str(directory))  # type: ignore[no-untyped-call]

    def collect(self) -> Iterable[Metric]:
        for path in self._directory.glob("gauge_live*.db"):
            match = _LIVE_GAUGE_FILE.search(path.name)
            if match and not _process_exists(int(match[1])):
                mark_process_dead(int(match[1]), str(self._directory))  # type: ignore[no-untyped-call]
        return self._files.collect()  # type: ignore[no-untyped-call,no-any-return]


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exposition_registry(directory: Path | None) -> CollectorRegistry:
    """The registry a scrape renders: this process's own, or every worker's files in `directory`.

    prometheus_client chooses where values go when it is first imported, from PROMETHEUS_MULTIPROC_DIR:
    a directory set after that would be read while the values go to memory, and the scrape would
    quietly show nothing. That mistake is refused here.
    """
    multiprocess = values.ValueClass is not values.MutexValue
    if directory is None and not multiprocess:
        return REGISTRY
    if directory is None or not multiprocess:
        raise RuntimeError(
            "PROMETHEUS_MULTIPROC_DIR must be set before prometheus_client is imported, and stay set"
        )
    registry = CollectorRegistry()
    registry.register(_LiveWorkersCollector(directory))
    return registry


class _Exposition:
    """What a scrape of GET /metrics renders; one per process, as prometheus_client's registry is."""

    registry: CollectorRegistry = REGISTRY


def expose(directory: Path | None) -> None:
    """Render this process's registry, or every worker's files in `directory` (server.app at start-up)."""
    _Exposition.registry = exposition_registry(directory)


def render() -> bytes:
    return generate_latest(_Exposition.registry)
