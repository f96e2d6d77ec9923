"""The tracer provider OpenTelemetry's standard environment variables ask for, or None: tracing off."""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

# service.name when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES names one: the SDK's default,
# `unknown_service`, says nothing in a trace store shared with the proxy and the load client.
DEFAULT_SERVICE_NAME = "records-shop"
# The exporter installed: OTLP over HTTP with protobuf bodies, the protocol every collector accepts.
SUPPORTED_PROTOCOL = "http/protobuf"


class TracingConfigError(ValueError):
    """OTEL_* variables that ask for what this service cannot do, explained in one line."""


def tracing_requested(environ: Mapping[str, str]) -> bool:
    """Whether the variables name an OTLP endpoint to export to, with the SDK and the exporter left on."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return False
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    )


def _check_exporter(environ: Mapping[str, str]) -> None:
    exporter = environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower()
    if exporter != "otlp":
        raise TracingConfigError(f"OTEL_TRACES_EXPORTER={exporter!r} is not accepted: otlp or none")
    for variable in ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"):
        protocol = environ.get(variable, "").strip()
        if protocol:
            if protocol != SUPPORTED_PROTOCOL:
                raise TracingConfigError(f"{variable}={protocol!r} is not accepted: {SUPPORTED_PROTOCOL}")
            return


def _resource() -> Resource:
    # Resource.create reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    return resource


def configured_tracer_provider() -> TracerProvider | None:
    """The SDK as the OTEL_* variables configure it, exporting over OTLP/HTTP; None without an endpoint.

    Nothing is re-implemented: the provider reads the sampler (OTEL_TRACES_SAMPLER and its _ARG), the
    exporter its endpoint, headers, timeout and compression (OTEL_EXPORTER_OTLP_*), the batch processor its
    queue and delays (OTEL_BSP_*). What is ours: tracing is off, with no layer and no instrumentation, unless
    an endpoint is named; and a protocol or exporter other than OTLP/HTTP is refused instead of ignored.
    """
    if not tracing_requested(os.environ):
        return None
    _check_exporter(os.environ)
    provider = TracerProvider(resource=_resource())
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider
