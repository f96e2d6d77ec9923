"""The compose services' commands and settings work: run as local processes, exactly as configured.

Each process gets its service's command and environment from Compose's normalized model; only addresses
are local (a throwaway PostgreSQL, free ports, nginx for the proxy). The migrate service brings the database
to the latest revision, every API replica then reports ready, and the load client, aimed at the proxy as
its service is, prints its periodic reports and a summary without a single error, and its sampled traces
reach the collector from the replicas behind the proxy. An API replica sent
the image's stop signal shuts down within the grace period compose gives it before killing it.
"""

from __future__ import annotations

import re
import secrets
import signal
import time

import httpx
import psycopg
import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from devtools.otlp import OtlpReceiver
from devtools.ports import free_port
from server.config.paths import PROJECT_ROOT
from server.db import migrations
from tests.utils.local_services import LocalService, LocalSystem

# The load client reports every 10 s by default; the first report may take this long.
FIRST_REPORT_TIMEOUT_S = 30.0

pytestmark = pytest.mark.slow


def test_migrate_service_brings_the_database_to_the_latest_revision(local_system: LocalSystem) -> None:
    assert migrations.current_revision(local_system.database_url) == migrations.head_revision()


def test_every_api_replica_is_ready(local_system: LocalSystem) -> None:
    assert len(local_system.api_urls) == local_system.services["api"]["deploy"]["replicas"]
    for url in local_system.api_urls:
        answer = httpx.get(f"{url}/readyz", timeout=5)
        assert answer.status_code == 200, (url, answer.text)


def test_load_client_reports_through_the_proxy_without_errors(local_system: LocalSystem) -> None:
    service = local_system.services["loadclient"]
    proxy_url = f"http://proxy:{local_system.services['proxy']['environment']['NGINX_PORT']}"
    assert proxy_url in service["command"], "the load client's command aims at the proxy"
    command = [local_system.proxy.base_url if part == proxy_url else part for part in service["command"]]
    log = local_system.run_dir / "loadclient.log"
    traces = {"OTEL_EXPORTER_OTLP_ENDPOINT": local_system.collector.endpoint}
    client = LocalService({**service, "command": command}, traces, log).start()
    try:
        report = client.wait_for_line("deleted ", FIRST_REPORT_TIMEOUT_S)
    finally:
        status = client.stop(signal.SIGTERM)
    assert status == 0, client.output()
    summary = client.wait_for_line("summary | ", 5)
    assert " errors 0 " in report, report
    assert " errors 0 " in summary, summary
    assert " inserted 0 " not in summary, summary


# The demo load's bound, lowered from the compose default so that the run reaches it within seconds.
DEMO_BOUND = 2000
DEMO_RUN_S = 45.0


def _records(database_url: str) -> int:
    with psycopg.connect(database_url) as connection:
        row = connection.execute("SELECT count(*) FROM records").fetchone()
    assert row is not None
    return int(row[0])


def test_the_demo_load_keeps_the_records_table_under_its_bound(local_system: LocalSystem) -> None:
    service = local_system.services["loadclient"]
    proxy_url = f"http://proxy:{local_system.services['proxy']['environment']['NGINX_PORT']}"
    command = [local_system.proxy.base_url if part == proxy_url else part for part in service["command"]]
    bound_at = command.index("--max-records") + 1
    assert int(command[bound_at]) == 100_000, "compose's default bound"
    command[bound_at] = str(DEMO_BOUND)
    before = _records(local_system.database_url)
    traces = {"OTEL_EXPORTER_OTLP_ENDPOINT": local_system.collector.endpoint}
    client = LocalService({**service, "command": command}, traces, local_system.run_dir / "demo.log").start()
    counts = []
    try:
        deadline = time.monotonic() + DEMO_RUN_S
        while time.monotonic() < deadline:
            counts.append(_records(local_system.database_url) - before)
            time.sleep(1)
    finally:
        status = client.stop(signal.SIGTERM)
    assert status == 0, client.output()
    assert max(counts) <= DEMO_BOUND, counts
    assert max(counts) > DEMO_BOUND // 2, f"the load never reached its bound: {counts}"
    reports = [line for line in client.output().splitlines() if line.startswith("deleted ")]
    assert reports and all(re.search(r" live \d+ \| ", line) for line in reports), reports


def test_api_replica_stops_within_its_grace_period_on_the_image_stop_signal(
    local_system: LocalSystem,
) -> None:
    found = re.search(r"^STOPSIGNAL (\w+)$", (PROJECT_ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert found, "the Dockerfile sets STOPSIGNAL"
    stop_signal = signal.Signals[found[1]]
    service = local_system.services["api"]
    grace_s = int(service["stop_grace_period"].removesuffix("s"))
    port = free_port()
    local = {
        "DATABASE_URL": local_system.database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "OTEL_EXPORTER_OTLP_ENDPOINT": local_system.collector.endpoint,
    }
    api = LocalService(service, local, local_system.run_dir / "api-stopped.log").start()
    try:
        api.wait_healthy(f"http://127.0.0.1:{port}/healthz")
    finally:
        started = time.monotonic()
        status = api.stop(stop_signal)
    assert time.monotonic() - started < grace_s
    # uvicorn re-raises the signal once it has shut down, so the exit status may report it.
    assert status in (0, -stop_signal), api.output()


def test_a_caller_s_trace_crosses_the_proxy_and_reaches_the_collector_from_a_replica(
    local_system: LocalSystem,
) -> None:
    trace_id = secrets.token_hex(16)
    # Sampled (flags 01): the replicas' parent-based sampler follows the caller, whatever its ratio.
    traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    answer = httpx.get(f"{local_system.proxy.base_url}/all", headers={"traceparent": traceparent}, timeout=10)
    assert answer.status_code == 200

    def server_spans(spans: list[Span]) -> list[Span]:
        return [span for span in spans if span.trace_id.hex() == trace_id and span.name == "GET /all"]

    # The statement spans end before the server span and may leave in an earlier batch: wait for it.
    (server,) = server_spans(
        local_system.collector.wait_for(lambda spans: bool(server_spans(spans)), timeout_s=15)
    )
    assert server.parent_span_id.hex() == traceparent.split("-")[2]
    names = {
        attribute.value.string_value
        for resource in local_system.collector.resource_spans()
        for attribute in resource.resource.attributes
        if attribute.key == "service.name"
    }
    assert local_system.services["api"]["environment"]["OTEL_SERVICE_NAME"] in names


def _spans_of_service(collector: OtlpReceiver, service: str, instance: str | None = None) -> list[Span]:
    """The spans the collector got from `service` (and, if given, from its `service.instance.id`)."""
    wanted = {"service.name": service, **({"service.instance.id": instance} if instance else {})}
    return [
        span
        for resource in collector.resource_spans()
        if wanted.items() <= {(a.key, a.value.string_value) for a in resource.resource.attributes}
        for scope in resource.scope_spans
        for span in scope.spans
    ]


def _answered_by_a_replica(span: Span) -> bool:
    # The proxy's own 502, 503 and 504 never reached a replica.
    status = [a.value.int_value for a in span.attributes if a.key == "http.response.status_code"]
    return bool(status) and status[0] < 500


@pytest.fixture(scope="module")
def traced_load_run(local_system: LocalSystem) -> list[Span]:
    """A load client run as compose configures it, through the proxy: the HTTP spans it exported."""
    service = local_system.services["loadclient"]
    proxy_url = f"http://proxy:{local_system.services['proxy']['environment']['NGINX_PORT']}"
    command = [local_system.proxy.base_url if part == proxy_url else part for part in service["command"]]
    # Compose's sampler stays (parentbased_traceidratio at its default ratio); this run is told apart from
    # the other load client runs of these tests by its instance id.
    instance = secrets.token_hex(8)
    traces = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": local_system.collector.endpoint,
        "OTEL_RESOURCE_ATTRIBUTES": f"service.instance.id={instance}",
    }
    client = LocalService(
        {**service, "command": command}, traces, local_system.run_dir / "traced.log"
    ).start()
    try:
        client.wait_for_line("deleted ", FIRST_REPORT_TIMEOUT_S)
    finally:
        status = client.stop(signal.SIGTERM)
    assert status == 0, client.output()
    # All exported before the client exited, at SIGTERM.
    spans = _spans_of_service(local_system.collector, service["environment"]["OTEL_SERVICE_NAME"], instance)
    return [span for span in spans if span.kind == Span.SpanKind.SPAN_KIND_CLIENT]


def test_the_load_client_s_traces_cross_the_proxy_and_reach_the_collector_from_the_replicas(
    local_system: LocalSystem, traced_load_run: list[Span]
) -> None:
    requests = [span for span in traced_load_run if _answered_by_a_replica(span)]
    assert requests, "the load client exported no HTTP span a replica answered"
    api_service = local_system.services["api"]["environment"]["OTEL_SERVICE_NAME"]

    def continued(request: Span, spans: list[Span]) -> bool:
        return any(s.trace_id == request.trace_id and s.parent_span_id == request.span_id for s in spans)

    # Every sampled request a replica answered: its server span a child of the client's HTTP span.
    local_system.collector.wait_for(
        lambda _spans: all(
            continued(request, _spans_of_service(local_system.collector, api_service)) for request in requests
        ),
        timeout_s=20,
    )


def test_the_replicas_follow_the_load_client_s_sampling_decision(
    local_system: LocalSystem, traced_load_run: list[Span]
) -> None:
    # Of the replicas' spans continuing an aiohttp caller (the load client), none is in a trace the load
    # client did not sample, and so never exported. Wait first for this run's sampled spans to arrive.
    api_service = local_system.services["api"]["environment"]["OTEL_SERVICE_NAME"]
    ours = {span.trace_id for span in traced_load_run if _answered_by_a_replica(span)}
    local_system.collector.wait_for(
        lambda _spans: (
            ours <= {span.trace_id for span in _spans_of_service(local_system.collector, api_service)}
        ),
        timeout_s=20,
    )
    client_service = local_system.services["loadclient"]["environment"]["OTEL_SERVICE_NAME"]
    sampled = {span.trace_id for span in _spans_of_service(local_system.collector, client_service)}
    from_the_client = [
        span
        for span in _spans_of_service(local_system.collector, api_service)
        if span.parent_span_id
        and any(a.key == "user_agent.original" and "aiohttp" in a.value.string_value for a in span.attributes)
    ]
    assert from_the_client, "no replica span continues a load client's request"
    assert all(span.trace_id in sampled for span in from_the_client)
