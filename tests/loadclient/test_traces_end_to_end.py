"""`python -m loadclient` and `python -m server` exporting to one OTLP receiver: each operation of the client
is a trace, and the server's span of each request the client's HTTP span sent is a child of that span, in
the same trace."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from devtools.otlp import OtlpReceiver
from devtools.server import ServerProcess
from server.config.paths import PROJECT_ROOT
from server.db import migrations

pytestmark = pytest.mark.slow

CLIENT_SERVICE = "records-shop-loadclient"
SERVER_SERVICE = "records-shop-traced"
EXPORT_SOON = {"OTEL_BSP_SCHEDULE_DELAY": "50", "OTEL_TRACES_SAMPLER": "always_on"}
OPERATION_ROUTES = {
    "insert batch": "POST /new",
    "fetch oldest": "GET /{key}",
    "delete record": "DELETE /{key}",
}


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def traced_server(
    empty_database: Callable[[str, str], str], receiver: OtlpReceiver
) -> Iterator[ServerProcess]:
    url = empty_database("postgresql", "loadclient_traced")
    migrations.upgrade(url)
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_SERVICE_NAME": SERVER_SERVICE,
        **EXPORT_SOON,
    }
    with ServerProcess(url, env=env) as server:
        yield server


def _run_load_client(server: ServerProcess, receiver: OtlpReceiver, *args: str) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    environment |= {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, **EXPORT_SOON}
    done = subprocess.run(
        [sys.executable, "-m", "loadclient", *args, "--base-url", server.base_url, "--duration", "2"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert " errors 0 " in done.stdout.splitlines()[-1], done.stdout


def _spans_of(receiver: OtlpReceiver, service: str) -> list[Span]:
    return [
        span
        for resource in receiver.resource_spans()
        if any(
            a.key == "service.name" and a.value.string_value == service for a in resource.resource.attributes
        )
        for scope in resource.scope_spans
        for span in scope.spans
    ]


def _children(parent: Span, spans: list[Span]) -> list[Span]:
    return [
        span for span in spans if span.trace_id == parent.trace_id and span.parent_span_id == parent.span_id
    ]


def _continued(operation: Span, client: list[Span], server: list[Span]) -> list[tuple[Span, Span]]:
    """(client HTTP span, server span) pairs under the operation: the server span the client span's child."""
    return [
        (request, served)
        for request in _children(operation, client)
        if request.kind == Span.SpanKind.SPAN_KIND_CLIENT
        for served in _children(request, server)
    ]


def _roots(spans: list[Span], name: str) -> list[Span]:
    return [span for span in spans if span.name == name and not span.parent_span_id]


def test_each_records_operation_is_a_trace_the_server_continues_under_the_client_s_http_span(
    traced_server: ServerProcess, receiver: OtlpReceiver
) -> None:
    _run_load_client(traced_server, receiver, "records")
    # The client exported everything before it exited; the server's spans follow within its batch delay.
    client = _spans_of(receiver, CLIENT_SERVICE)

    def every_operation_continued(_spans: list[Span]) -> bool:
        server = _spans_of(receiver, SERVER_SERVICE)
        return all(
            any(_continued(operation, client, server) for operation in _roots(client, name))
            for name in OPERATION_ROUTES
        )

    receiver.wait_for(every_operation_continued)
    server = _spans_of(receiver, SERVER_SERVICE)
    for name, route in OPERATION_ROUTES.items():
        operation = next(op for op in _roots(client, name) if _continued(op, client, server))
        assert operation.kind == Span.SpanKind.SPAN_KIND_INTERNAL
        (request, served), *_ = _continued(operation, client, server)
        assert served.kind == Span.SpanKind.SPAN_KIND_SERVER
        assert served.name == route
        assert request.name == route.split()[0]


def test_a_shop_visit_is_one_trace_whose_requests_the_server_continues(
    traced_server: ServerProcess, receiver: OtlpReceiver
) -> None:
    _run_load_client(traced_server, receiver, "shop", "--rate", "50")
    client = _spans_of(receiver, CLIENT_SERVICE)
    # The first visit to start is whole: the run's end cuts short only the last ones.
    visit = min(_roots(client, "shop visit"), key=lambda span: span.start_time_unix_nano)
    assert visit.status.code != Status.STATUS_CODE_ERROR
    requests = [span for span in _children(visit, client) if span.kind == Span.SpanKind.SPAN_KIND_CLIENT]
    # A whole visit: browse, open an item, open a cart, add to it, read it, list carts, a missing item.
    assert len(requests) >= 7, [span.name for span in requests]

    def every_request_continued(_spans: list[Span]) -> bool:
        return len(_continued(visit, client, _spans_of(receiver, SERVER_SERVICE))) == len(requests)

    receiver.wait_for(every_request_continued)
    served = [pair[1] for pair in _continued(visit, client, _spans_of(receiver, SERVER_SERVICE))]
    assert {span.name for span in served} >= {"POST /cart", "GET /item/{id}"}
