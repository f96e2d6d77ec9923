"""The ASGI layer that counts and times every HTTP request, by method, route template and status."""

from __future__ import annotations

import time
from typing import Any

from opentelemetry import trace
from starlette.types import ASGIApp, Receive, Scope, Send

from server.contract.routing import ROUTE_TEMPLATE
from server.http.problems import RESPONSE_STATUS
from server.observability.exemplars import ExemplarRecorder
from server.observability.metrics import REQUEST_DURATION, REQUESTS

UNMATCHED_ROUTE = "none"
# Methods outside this set share one label: the method is the client's to choose, the series are ours.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "OTHER"


class MetricsMiddleware:
    """Count every HTTP request and time it, labelled by the route template the router matched.

    Outermost in the stack, so that it sees every answer, the 500s of ProblemMiddleware included. It
    does not wrap `send`: ProblemMiddleware, the one layer that watches responses start, leaves the
    status in `scope["extensions"]` (server.http.problems.RESPONSE_STATUS), and the router the template
    of the operation it routed to (server.contract.routing.ROUTE_TEMPLATE); the extensions dict is
    created here so that every layer shares it.
    Labelled children are looked up in a dict of our own: 0.06 us, where `labels()` costs 1 us a call.
    Measured by bench.middleware_cost: about 4 us a request in multiprocess mode; in the running server
    metrics on against off cost 4 to 20 us of GET /{uuid}'s 140 to 180 us of CPU, the more the busier
    the shared cores (python -m bench metrics).
    Given `exemplars` (server.app does when tracing is on), the latency of a request whose span is sampled
    is also kept as its bucket's exemplar, with the trace id (server.observability.exemplars): 2 to 3 us
    more a sampled request, under 2 us an unsampled one (python -m bench.middleware_cost --exemplars).
    """

    def __init__(self, app: ASGIApp, *, exemplars: ExemplarRecorder | None = None) -> None:
        self.app = app
        self._exemplars = exemplars
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
        if self._exemplars is not None:
            # This layer runs inside the request's server span (server.app puts tracing outermost).
            span = trace.get_current_span().get_span_context()
            if span.trace_flags.sampled:
                self._exemplars.record(method, route, seconds, span.trace_id)
