"""`python -m bench.middleware_cost`: microseconds the metrics middleware adds to one request.

Wraps a trivial ASGI app that answers at once, as Connexion's router would have labelled it, and times
it with and without the middleware; the difference is the middleware's own cost, free of the noise of
a loaded machine that dominates a throughput comparison. Run it with PROMETHEUS_MULTIPROC_DIR set, as
`python -m server` runs its workers, to measure the multiprocess mode's file-backed values.

With `--exemplars` (PROMETHEUS_MULTIPROC_DIR set) it also times the middleware keeping exemplars, as it
does when tracing is on, inside a sampled and an unsampled span: each against the middleware without
exemplars inside the same span, so the difference is the exemplar's own cost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import time
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from starlette.types import ASGIApp, Message, Scope

from server.contract.routing import ROUTE_TEMPLATE
from server.http.problems import RESPONSE_STATUS
from server.observability.exemplars import ExemplarRecorder
from server.observability.metrics import LATENCY_BUCKETS_S
from server.observability.metrics_directory import VARIABLE
from server.observability.middleware import MetricsMiddleware

REQUESTS = 50_000
ROUNDS = 3


async def _answer(scope: Scope, _receive: Any, send: Any) -> None:
    # What server.contract.routing.Router and server.http.problems.ProblemMiddleware leave for the metrics.
    scope["extensions"][ROUTE_TEMPLATE] = "/{key}"
    scope["extensions"][RESPONSE_STATUS] = 200
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _receive() -> Message:
    return {"type": "http.request", "body": b""}


async def _send(_message: Message) -> None:
    return None


async def _microseconds_per_request(app: ASGIApp) -> float:
    started = time.perf_counter()
    for _ in range(REQUESTS):
        await app({"type": "http", "method": "GET", "path": "/x", "extensions": {}}, _receive, _send)
    return (time.perf_counter() - started) / REQUESTS * 1e6


async def _cost() -> float:
    wrapped = MetricsMiddleware(_answer)
    bare, counted = [], []
    for _ in range(ROUNDS):
        bare.append(await _microseconds_per_request(_answer))
        counted.append(await _microseconds_per_request(wrapped))
    return min(counted) - min(bare)


def _span(sampled: bool) -> NonRecordingSpan:
    flags = TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT)
    return NonRecordingSpan(
        SpanContext(int(secrets.token_hex(16), 16), int(secrets.token_hex(8), 16), False, flags)
    )


async def _exemplar_cost(sampled: bool) -> float:
    """Microseconds that keeping exemplars adds to a request in a span sampled or not."""
    recorder = ExemplarRecorder(Path(os.environ[VARIABLE]), LATENCY_BUCKETS_S)
    without, with_exemplars = MetricsMiddleware(_answer), MetricsMiddleware(_answer, exemplars=recorder)
    plain, kept = [], []
    with trace.use_span(_span(sampled)):
        for _ in range(ROUNDS):
            plain.append(await _microseconds_per_request(without))
            kept.append(await _microseconds_per_request(with_exemplars))
    return min(kept) - min(plain)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.middleware_cost")
    parser.add_argument("--exemplars", action="store_true", help="also time the exemplars (tracing on)")
    if not parser.parse_args().exemplars:
        print(f"{asyncio.run(_cost()):.1f}")
        return
    print(f"metrics middleware: {asyncio.run(_cost()):.1f} us a request")
    print(f"exemplars, sampled span: +{asyncio.run(_exemplar_cost(sampled=True)):.1f} us a request")
    print(f"exemplars, unsampled span: +{asyncio.run(_exemplar_cost(sampled=False)):.1f} us a request")


if __name__ == "__main__":
    main()
