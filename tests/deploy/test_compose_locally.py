"""The compose services' commands and settings work: run as local processes, exactly as configured.

Each process gets its service's command and environment from Compose's normalized model; only addresses
are local (a throwaway PostgreSQL, free ports, nginx for the proxy). The migrate service brings the database
to the latest revision, every API replica then reports ready, and the load client, aimed at the proxy as
its service is, prints its periodic reports and a summary without a single error. An API replica sent
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
    spans = local_system.collector.wait_for(
        lambda spans: any(span.trace_id.hex() == trace_id for span in spans), timeout_s=15
    )
    (server,) = [s for s in spans if s.trace_id.hex() == trace_id and s.name == "GET /all"]
    assert server.parent_span_id.hex() == traceparent.split("-")[2]
    names = {
        attribute.value.string_value
        for resource in local_system.collector.resource_spans()
        for attribute in resource.resource.attributes
        if attribute.key == "service.name"
    }
    assert local_system.services["api"]["environment"]["OTEL_SERVICE_NAME"] in names
