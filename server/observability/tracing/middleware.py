"""The ASGI layer that gives every HTTP request its server span, named by the route template it matched."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.trace import Span, TracerProvider
from opentelemetry.util.http import sanitize_method
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.contract.routing import ROUTE_TEMPLATE

HTTP_ROUTE = "http.route"


def _name_by_route(span: Span, scope: Scope) -> None:
    """`POST /cart/{cart_id}/add/{item_id}`, never the raw path; the method alone when no route matched."""
    if not span.is_recording():
        return
    method = sanitize_method(scope["method"])
    # The semantic conventions' name for a method outside the known set.
    method = "HTTP" if method == "_OTHER" else method
    route = scope["extensions"].get(ROUTE_TEMPLATE)
    if route is None:
        span.update_name(method)
        return
    span.update_name(f"{method} {route}")
    span.set_attribute(HTTP_ROUTE, route)


class TracingMiddleware:
    """OpenTelemetry's ASGI middleware around the stack, told the route template once the router found it.

    The maintained middleware does the span's work: it continues the caller's trace from `traceparent`,
    samples, and writes the HTTP semantic conventions' attributes and the span status. What it cannot do
    is name the span by route: it names it when the request arrives, by the raw path, and learns the route
    only from a Starlette `scope["route"]`, which Connexion's routing (and ours, server.contract.routing)
    does not set. So the stack runs inside a small function of ours that renames the span, still open, as
    the answer starts, from the template the router left in the scope's extensions (created here,
    outermost, so that every layer shares one dict). Its `send`/`receive` child spans are left out: two
    spans a request that time nothing but a queue hand-off; its metrics go to a no-op provider: Prometheus
    has ours. WebSocket connections pass untraced: a span as long as a chat session answers nothing.
    """

    def __init__(self, app: ASGIApp, *, tracer_provider: TracerProvider) -> None:
        self.app = app
        self._traced = OpenTelemetryMiddleware(
            self._named_by_route,
            tracer_provider=tracer_provider,
            meter_provider=NoOpMeterProvider(),
            exclude_spans=["receive", "send"],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("extensions", {})
        await self._traced(scope, receive, send)

    async def _named_by_route(self, scope: Scope, receive: Receive, send: Send) -> None:
        span = trace.get_current_span()
        if not span.is_recording():
            await self.app(scope, receive, send)
            return

        # Named as the answer starts: OpenTelemetry's middleware ends the span with the answer's last byte.
        async def send_named(message: Message) -> None:
            if message["type"] == "http.response.start":
                _name_by_route(span, scope)
            await send(message)

        try:
            await self.app(scope, receive, send_named)
        finally:
            # No answer started (uvicorn answers 500): the span is still open.
            _name_by_route(span, scope)
