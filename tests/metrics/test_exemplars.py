"""With tracing on, the latency histogram's buckets carry exemplars with the trace id of a sampled request,
in OpenMetrics only, across workers; unsampled requests leave none, and without tracing nothing is written.

The server runs as `python -m server` with two workers exporting to a local OTLP receiver; a request on a
fresh connection goes to either worker, and each keeps its exemplars in a file of its own.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from devtools.otlp import OtlpReceiver
from devtools.server import ServerProcess
from server.observability.metrics_directory import EXEMPLAR_FILE_PREFIX
from tests.utils.prometheus import PrometheusProcess, render_config
from tests.utils.system_packages import require_program

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]

OPENMETRICS = "application/openmetrics-text; version=1.0.0"
REQUESTS = 20
PROMETHEUS_TIMEOUT_S = 30.0


def _traceparent(sampled: bool) -> tuple[str, str]:
    trace_id = secrets.token_hex(16)
    return trace_id, f"00-{trace_id}-{secrets.token_hex(8)}-{'01' if sampled else '00'}"


def _get(base_url: str, path: str, *, sampled: bool) -> str:
    """GET `path` on a fresh connection (either worker) with a traceparent of its own; its trace id."""
    trace_id, traceparent = _traceparent(sampled)
    assert httpx.get(f"{base_url}{path}", headers={"traceparent": traceparent}).status_code == 200
    return trace_id


def _buckets(base_url: str, handler: str) -> list[Sample]:
    """GET's latency buckets of `handler`, from an OpenMetrics scrape."""
    response = httpx.get(f"{base_url}/metrics", headers={"Accept": OPENMETRICS})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    return [
        sample
        # prometheus_client's OpenMetrics parser has no type hints.
        for family in text_string_to_metric_families(response.text)  # type: ignore[no-untyped-call]
        if family.name == "http_request_duration_seconds"
        for sample in family.samples
        if sample.name.endswith("_bucket") and sample.labels["handler"] == handler
        and sample.labels["method"] == "GET"
    ]  # fmt: skip


def _exemplar_trace_ids(buckets: list[Sample]) -> set[str]:
    return {sample.exemplar.labels["trace_id"] for sample in buckets if sample.exemplar is not None}


@pytest.fixture(scope="module")
def metrics_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("exemplars")


@pytest.fixture(scope="module")
def traced_server(migrated_url: str, metrics_directory: Path) -> Iterator[ServerProcess]:
    env = {
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_directory),
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_BSP_SCHEDULE_DELAY": "50",
    }
    with OtlpReceiver() as receiver:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint
        with ServerProcess(migrated_url, workers=2, env=env) as server:
            yield server


def test_a_sampled_requests_bucket_carries_its_trace_id_and_latency(traced_server: ServerProcess) -> None:
    trace_ids = [_get(traced_server.base_url, "/healthz", sampled=True) for _ in range(REQUESTS)]
    buckets = _buckets(traced_server.base_url, "/healthz")
    # The last request is the latest of whichever bucket it fell in, whichever worker served it.
    carrying = [
        s for s in buckets if s.exemplar is not None and s.exemplar.labels["trace_id"] == trace_ids[-1]
    ]
    assert len(carrying) == 1
    bounds = [float(sample.labels["le"]) for sample in buckets]
    bucket = bounds.index(float(carrying[0].labels["le"]))
    assert carrying[0].exemplar is not None
    assert bucket == 0 or bounds[bucket - 1] < carrying[0].exemplar.value <= bounds[bucket]


def test_each_worker_keeps_its_exemplars_in_a_file_of_its_own(
    traced_server: ServerProcess, metrics_directory: Path
) -> None:
    for _ in range(REQUESTS):
        _get(traced_server.base_url, "/healthz", sampled=True)
    assert len(list(metrics_directory.glob(f"{EXEMPLAR_FILE_PREFIX}*"))) == 2


def test_an_unsampled_request_leaves_no_exemplar(traced_server: ServerProcess) -> None:
    for _ in range(REQUESTS):
        _get(traced_server.base_url, "/readyz", sampled=False)
    buckets = _buckets(traced_server.base_url, "/readyz")
    assert next(s.value for s in buckets if s.labels["le"] == "+Inf") == REQUESTS
    assert _exemplar_trace_ids(buckets) == set()


def test_the_text_format_carries_no_exemplars(traced_server: ServerProcess) -> None:
    trace_id = _get(traced_server.base_url, "/healthz", sampled=True)
    response = httpx.get(f"{traced_server.base_url}/metrics", headers={"Accept": "text/plain"})
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "http_request_duration_seconds_bucket{" in response.text
    assert trace_id not in response.text
    assert " # {" not in response.text


def test_prometheus_with_exemplar_storage_stores_the_trace_id(
    traced_server: ServerProcess, tmp_path: Path
) -> None:
    binary = require_program("prometheus", "prometheus")
    config = render_config([f"127.0.0.1:{traced_server.port}"], "1s")
    flags = ["--enable-feature=exemplar-storage"]
    with PrometheusProcess(binary, config, tmp_path, flags=flags) as prometheus:
        started = time.time()
        trace_id = _get(traced_server.base_url, "/healthz", sampled=True)
        deadline = time.monotonic() + PROMETHEUS_TIMEOUT_S
        while time.monotonic() < deadline:
            stored = prometheus.api(
                "query_exemplars",
                query='http_request_duration_seconds_bucket{method="GET", handler="/healthz"}',
                start=started - 60,
                end=time.time() + 60,
            )
            found = {e["labels"]["trace_id"] for series in stored for e in series["exemplars"]}
            if trace_id in found:
                return
            time.sleep(0.5)
    raise AssertionError(f"Prometheus stored no exemplar with trace_id {trace_id}")


def test_without_tracing_no_exemplar_file_is_written(migrated_url: str, tmp_path: Path) -> None:
    with ServerProcess(migrated_url, workers=2, env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}) as server:
        for _ in range(REQUESTS):
            _get(server.base_url, "/healthz", sampled=True)
        assert _exemplar_trace_ids(_buckets(server.base_url, "/healthz")) == set()
    assert list(tmp_path.glob(f"{EXEMPLAR_FILE_PREFIX}*")) == []
