"""Tracing is on only when OTEL_* names an OTLP endpoint; off, no layer and no instrumentation is installed;
what the service cannot export is refused at start, not ignored."""

from __future__ import annotations

import pytest

from server.app import _middlewares
from server.chat.hub import create_hub
from server.config.paths import SPEC_PATH
from server.config.settings import Settings
from server.contract.spec import load_contract
from server.db.connect import open_database
from server.db.postgres import PostgresDatabase
from server.observability import metrics
from server.observability.tracing.middleware import TracingMiddleware
from server.observability.tracing.provider import (
    TracingConfigError,
    configured_tracer_provider,
    tracing_requested,
)

ENDPOINT = "http://collector:4318"


@pytest.mark.parametrize(
    ("environ", "requested"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ""}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{ENDPOINT}/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT, "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT, "OTEL_TRACES_EXPORTER": "none"}, False),
    ],
)
def test_tracing_is_requested_by_an_exporter_endpoint_alone(environ: dict[str, str], requested: bool) -> None:
    assert tracing_requested(environ) is requested


def test_without_an_endpoint_no_tracing_layer_is_in_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    assert configured_tracer_provider() is None
    settings = Settings()
    hub = create_hub(settings, metrics.ChatMetrics())
    stack = _middlewares(settings, hub, load_contract(SPEC_PATH), tokens=None, tracer_provider=None)
    assert all(getattr(layer, "func", layer) is not TracingMiddleware for layer in stack)


def test_without_a_tracer_provider_the_database_opens_no_span() -> None:
    database = open_database(Settings(database_url="postgresql://nobody@127.0.0.1:1/none"))
    assert isinstance(database, PostgresDatabase)
    assert database._tracing is None


@pytest.mark.parametrize("variable", ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"])
def test_a_protocol_other_than_http_protobuf_is_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", ENDPOINT)
    monkeypatch.setenv(variable, "grpc")
    with pytest.raises(TracingConfigError, match=f"{variable}='grpc'"):
        configured_tracer_provider()


def test_the_sampler_is_the_one_otel_traces_sampler_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", ENDPOINT)
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0.1")
    provider = configured_tracer_provider()
    assert provider is not None
    try:
        description = provider.sampler.get_description()
        assert description.startswith("ParentBased{root:TraceIdRatioBased{0.1},")
    finally:
        provider.shutdown()


def test_the_service_name_defaults_to_the_service_s_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", ENDPOINT)
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.delenv("OTEL_RESOURCE_ATTRIBUTES", raising=False)
    provider = configured_tracer_provider()
    assert provider is not None
    try:
        assert provider.resource.attributes["service.name"] == "records-shop"
    finally:
        provider.shutdown()
