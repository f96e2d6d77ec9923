"""The load client's traces: one per operation, exported as OpenTelemetry's standard OTEL_* variables say.

The client may not import the server (it talks to it over HTTP only), so the few lines that decide whether
tracing is on and which service name to report repeat server/observability/tracing/provider.py's.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from contextlib import AbstractContextManager

import aiohttp
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation._semconv import (
    _OpenTelemetrySemanticConventionStability,
    _OpenTelemetryStabilitySignalType,
)
from opentelemetry.instrumentation.aiohttp_client import create_trace_config
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import INVALID_SPAN, Span, SpanKind

# service.name when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES names one, as compose names it.
DEFAULT_SERVICE_NAME = "records-shop-loadclient"
SUPPORTED_PROTOCOL = "http/protobuf"
# The stable HTTP attribute names (`http.request.method`, `url.full`), as the server's own spans write them;
# the variable set by the operator wins.
STABLE_CONVENTIONS = "http"

# What an operation yields with tracing off: no span started, no context attached.
_NO_OPERATION = contextlib.nullcontext(INVALID_SPAN)


class TracingConfigError(ValueError):
    """OTEL_* variables that ask for what this client cannot do, explained in one line."""


def tracing_requested(environ: Mapping[str, str]) -> bool:
    """Whether the variables name an OTLP endpoint to export to, with the SDK and the exporter left on."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return False
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    )


def _check_protocol(environ: Mapping[str, str]) -> None:
    # Only the OTLP/HTTP exporter is installed: spans sent as protobuf to a gRPC port would be lost unseen.
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


class Tracing:
    """Operations as root spans and the HTTP client span under each, or, with no provider, nothing at all."""

    def __init__(self, provider: TracerProvider | None) -> None:
        self.provider = provider
        self._tracer = provider.get_tracer(__name__) if provider is not None else None

    def trace_configs(self) -> list[aiohttp.TraceConfig]:
        """What the aiohttp session is given: the instrumentation's client span and `traceparent`, or none.

        Passed to the one session rather than patching aiohttp for the whole process.
        """
        if self.provider is None:
            return []
        # create_trace_config takes the conventions as an argument and reads no variable; the instrumentor
        # that would read OTEL_SEMCONV_STABILITY_OPT_IN patches every session. Its reader, then, as it does:
        os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", STABLE_CONVENTIONS)
        _OpenTelemetrySemanticConventionStability._initialize()  # type: ignore[no-untyped-call]
        mode = _OpenTelemetrySemanticConventionStability._get_opentelemetry_stability_opt_in_mode(
            _OpenTelemetryStabilitySignalType.HTTP
        )
        return [create_trace_config(tracer_provider=self.provider, sem_conv_opt_in_mode=mode)]

    def operation(self, name: str) -> AbstractContextManager[Span]:
        """A new trace for one logical operation, its root span current inside: every request made in it,
        replays included, is a child. Its status is the caller's to set; an exception leaves it unset, as
        a stopped run's cancellation is no failure of the operation."""
        if self._tracer is None:
            return _NO_OPERATION
        return self._tracer.start_as_current_span(
            name,
            context=Context(),
            kind=SpanKind.INTERNAL,
            record_exception=False,
            set_status_on_exception=False,
        )

    def shutdown(self) -> None:
        """Export what is still queued, then stop: called when the run ends, by signal or not."""
        if self.provider is not None:
            self.provider.shutdown()


TRACING_OFF = Tracing(None)


def configured_tracing() -> Tracing:
    """The SDK as the OTEL_* variables configure it, exporting over OTLP/HTTP; without an endpoint, off.

    The provider reads the sampler (OTEL_TRACES_SAMPLER and its _ARG), the exporter its endpoint, headers and
    timeout (OTEL_EXPORTER_OTLP_*), the batch processor its queue and delays (OTEL_BSP_*).
    """
    if not tracing_requested(os.environ):
        return TRACING_OFF
    _check_protocol(os.environ)
    # Exported at shutdown() rather than by the SDK's exit hook: the run's end is ours to order.
    provider = TracerProvider(resource=_resource(), shutdown_on_exit=False)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return Tracing(provider)
