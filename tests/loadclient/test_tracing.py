"""The load client's tracing: with no OTLP endpoint it installs nothing and sends no `traceparent`; with
one, each operation is a trace of its own whose requests, a replayed one included, are children of its root
span, each request sending the `traceparent` of its own client span."""

from __future__ import annotations

import uuid

import pytest
from opentelemetry.sdk.resources import SERVICE_NAME
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import INVALID_SPAN, SpanKind, get_current_span
from records_shop_client.models import Record

from loadclient.journal import Journal
from loadclient.records import _delete
from loadclient.stats import RecordsStats
from loadclient.tracing import (
    DEFAULT_SERVICE_NAME,
    TRACING_OFF,
    Tracing,
    TracingConfigError,
    configured_tracing,
)
from loadclient.transport import open_client
from tests.utils.replica import Replica, serve

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


@pytest.fixture(autouse=True)
def _environment_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """A trace config made here writes OTEL_SEMCONV_STABILITY_OPT_IN: gone again after the test."""
    monkeypatch.delenv("OTEL_SEMCONV_STABILITY_OPT_IN", raising=False)


@pytest.fixture
def no_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ENDPOINT_VARIABLES:
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing listens there: these tests export nothing.
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.delenv("OTEL_RESOURCE_ATTRIBUTES", raising=False)


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def tracing(exporter: InMemorySpanExporter) -> Tracing:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Tracing(provider)


async def _delete_one(base_url: str, tracing: Tracing) -> bool:
    client = open_client(base_url, 1, trace_configs=tracing.trace_configs())
    async with client.get_async_httpx_client():
        record = Record(uuid=uuid.uuid4(), text="x")
        return await _delete(client, RecordsStats(), Journal(None), record, tracing)


def _sent_parent(traceparent: str | None) -> tuple[int, int, bool]:
    """The trace id, span id and sampled flag a `traceparent` names (its other flags vary by SDK)."""
    assert traceparent is not None
    _version, trace_id, span_id, flags = traceparent.split("-")
    return int(trace_id, 16), int(span_id, 16), bool(int(flags, 16) & 1)


def _named(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


@pytest.mark.usefixtures("no_endpoint")
def test_without_an_endpoint_tracing_is_off_with_no_trace_config_and_no_span() -> None:
    tracing = configured_tracing()
    assert tracing is TRACING_OFF
    assert tracing.trace_configs() == []
    with tracing.operation("delete record") as span:
        assert span is INVALID_SPAN
        assert get_current_span() is INVALID_SPAN


async def test_with_tracing_off_a_request_carries_no_traceparent() -> None:
    replica = Replica()
    async for base_url in serve(replica):
        assert await _delete_one(base_url, TRACING_OFF)
    assert replica.traceparents == [None]


@pytest.mark.usefixtures("an_endpoint")
def test_with_an_endpoint_the_service_name_defaults_to_records_shop_loadclient(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    tracing = configured_tracing()
    assert tracing.provider is not None
    assert tracing.provider.resource.attributes[SERVICE_NAME] == DEFAULT_SERVICE_NAME
    tracing.shutdown()


@pytest.mark.usefixtures("an_endpoint")
def test_otel_service_name_names_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "loadclient-under-test")
    tracing = configured_tracing()
    assert tracing.provider is not None
    assert tracing.provider.resource.attributes[SERVICE_NAME] == "loadclient-under-test"
    tracing.shutdown()


@pytest.mark.usefixtures("an_endpoint")
def test_a_protocol_other_than_otlp_over_http_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    with pytest.raises(TracingConfigError, match="OTEL_EXPORTER_OTLP_PROTOCOL"):
        configured_tracing()


async def test_an_operation_is_a_root_span_with_the_request_s_client_span_under_it(
    tracing: Tracing, exporter: InMemorySpanExporter
) -> None:
    replica = Replica()
    async for base_url in serve(replica):
        assert await _delete_one(base_url, tracing)
    spans = exporter.get_finished_spans()
    (operation,) = _named(spans, "delete record")
    (request,) = [span for span in spans if span.kind == SpanKind.CLIENT]
    assert operation.parent is None and operation.kind == SpanKind.INTERNAL
    assert request.parent is not None and request.parent.span_id == operation.context.span_id
    assert request.context.trace_id == operation.context.trace_id
    (traceparent,) = replica.traceparents
    assert _sent_parent(traceparent) == (request.context.trace_id, request.context.span_id, True)


async def test_a_replayed_request_stays_in_the_operation_s_trace(
    tracing: Tracing, exporter: InMemorySpanExporter
) -> None:
    replica = Replica(unavailable=1)
    async for base_url in serve(replica):
        assert await _delete_one(base_url, tracing)
    spans = exporter.get_finished_spans()
    (operation,) = _named(spans, "delete record")
    requests = [span for span in spans if span.kind == SpanKind.CLIENT]
    assert len(requests) == 2 == len(replica.traceparents)
    for request, traceparent in zip(requests, replica.traceparents, strict=True):
        assert request.parent is not None and request.parent.span_id == operation.context.span_id
        assert _sent_parent(traceparent) == (operation.context.trace_id, request.context.span_id, True)


async def test_each_operation_starts_a_trace_of_its_own(
    tracing: Tracing, exporter: InMemorySpanExporter
) -> None:
    replica = Replica()
    async for base_url in serve(replica):
        with tracing.operation("shop visit"):
            # Started inside another operation, a delete is still a trace of its own.
            assert await _delete_one(base_url, tracing)
    (outer,) = _named(exporter.get_finished_spans(), "shop visit")
    (inner,) = _named(exporter.get_finished_spans(), "delete record")
    assert inner.parent is None
    assert inner.context.trace_id != outer.context.trace_id
