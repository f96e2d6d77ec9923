"""`python -m bench.middleware_cost`: microseconds the metrics middleware adds to one request.

Wraps a trivial ASGI app that answers at once, as Connexion's router would have labelled it, and times
it with and without the middleware; the difference is the middleware's own cost, free of the noise of
a loaded machine that dominates a throughput comparison. Run it with PROMETHEUS_MULTIPROC_DIR set, as
`python -m server` runs its workers, to measure the multiprocess mode's file-backed values.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.types import ASGIApp, Message, Scope

from server.contract.routing import ROUTE_TEMPLATE
from server.http.problems import RESPONSE_STATUS
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


def main() -> None:
    print(f"{asyncio.run(_cost()):.1f}")


if __name__ == "__main__":
    main()
