"""With OTEL_EXPORTER_OTLP_ENDPOINT set, the server exports its spans over OTLP/HTTP, continuing the trace
of the `traceparent` a caller sent: the server span a child of the caller's span."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from devtools.otlp import OtlpReceiver
from devtools.server import ServerProcess

pytestmark = pytest.mark.slow


def _traceparent() -> tuple[bytes, bytes, str]:
    trace_id, span_id = secrets.token_bytes(16), secrets.token_bytes(8)
    return trace_id, span_id, f"00-{trace_id.hex()}-{span_id.hex()}-01"


def _server_span_of(trace_id: bytes, spans: list[Span]) -> Span | None:
    for span in spans:
        if span.trace_id == trace_id and span.kind == Span.SpanKind.SPAN_KIND_SERVER:
            return span
    return None


def _get_count(server: ServerProcess, traceparent: str) -> None:
    response = httpx.get(f"{server.base_url}/3", headers={"traceparent": traceparent})
    assert response.status_code == 200


def test_the_server_span_continues_the_callers_trace_as_a_child_of_its_span(
    exporting_server: ServerProcess, otlp_receiver: OtlpReceiver
) -> None:
    trace_id, caller_span_id, traceparent = _traceparent()
    _get_count(exporting_server, traceparent)
    spans = otlp_receiver.wait_for(lambda spans: _server_span_of(trace_id, spans) is not None)
    server = _server_span_of(trace_id, spans)
    assert server is not None
    assert server.parent_span_id == caller_span_id
    assert server.name == "GET /{key}"


def test_the_spans_of_the_trace_include_the_statement_under_the_server_span(
    exporting_server: ServerProcess, otlp_receiver: OtlpReceiver
) -> None:
    trace_id, _caller, traceparent = _traceparent()
    _get_count(exporting_server, traceparent)

    def has_statement(spans: list[Span]) -> bool:
        # The statement ends before the server span and may leave in an earlier batch: wait for both.
        return _server_span_of(trace_id, spans) is not None and any(
            s.trace_id == trace_id and s.kind == Span.SpanKind.SPAN_KIND_CLIENT for s in spans
        )

    spans = otlp_receiver.wait_for(has_statement)
    server = _server_span_of(trace_id, spans)
    assert server is not None
    statements = [s for s in spans if s.trace_id == trace_id and s.kind == Span.SpanKind.SPAN_KIND_CLIENT]
    assert all(statement.parent_span_id == server.span_id for statement in statements)


def test_the_export_is_protobuf_over_http_with_the_service_name_of_otel_service_name(
    exporting_server: ServerProcess, otlp_receiver: OtlpReceiver
) -> None:
    trace_id, _caller, traceparent = _traceparent()
    _get_count(exporting_server, traceparent)
    otlp_receiver.wait_for(lambda spans: _server_span_of(trace_id, spans) is not None)
    assert set(otlp_receiver.content_types) == {"application/x-protobuf"}
    names = {
        attribute.value.string_value
        for resource in otlp_receiver.resource_spans()
        for attribute in resource.resource.attributes
        if attribute.key == "service.name"
    }
    assert names == {"records-shop-under-test"}


def test_the_json_access_line_of_a_traced_request_carries_the_trace_id(
    exporting_server: ServerProcess, otlp_receiver: OtlpReceiver, exporting_log: Path
) -> None:
    trace_id, _caller, traceparent = _traceparent()
    _get_count(exporting_server, traceparent)
    server = _server_span_of(
        trace_id, otlp_receiver.wait_for(lambda spans: _server_span_of(trace_id, spans) is not None)
    )
    assert server is not None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [json.loads(line) for line in exporting_log.read_text().splitlines() if line.startswith("{")]
        access = [line for line in lines if line.get("trace_id") == trace_id.hex()]
        if access:
            assert access[0]["span_id"] == server.span_id.hex()
            return
        time.sleep(0.05)
    raise AssertionError(f"no log line carries trace_id {trace_id.hex()}")
