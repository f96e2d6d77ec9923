"""Every query of the dashboard returns data from a real Prometheus scraping the service under load.

The server runs with two workers on PostgreSQL, the shop scenario (and briefly the records one) drives
it, and Prometheus scrapes it every second with deploy/'s configuration, only the targets made local.
Each panel's PromQL, with Grafana's `$__rate_interval` substituted as Grafana computes it for a 1 s
scrape, must return at least one number. With DASHBOARD_RESULTS set, the results are also written
there for scripts/plot_dashboard.py (docs/dashboard.png: `make dashboard-picture`).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from devtools.server import ServerProcess
from server.config.paths import PROJECT_ROOT
from tests.utils.prometheus import PrometheusProcess, dashboard_queries, render_config, substitute
from tests.utils.system_packages import require_program

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]

SCRAPE_INTERVAL_S = 1
# Grafana: max(4 x the datasource's scrape interval, the step + one scrape interval).
GRAFANA_VARIABLES = {"$__rate_interval": f"{4 * SCRAPE_INTERVAL_S}s", "$__interval": f"{SCRAPE_INTERVAL_S}s"}
TRAFFIC_S = 20
SHOP_RATE = 40
RECORDS_S = 8


def _load_client(base_url: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "loadclient", *args, "--base-url", base_url, "--report-every", "5"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
    )


def _has_a_number(series: list[dict[str, Any]]) -> bool:
    return any(math.isfinite(float(point[1])) for one in series for point in one["values"])


@pytest.fixture(scope="module")
def traffic_seen_by_prometheus(
    migrated_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[PrometheusProcess, float, float]]:
    """Prometheus (still running) after it scraped the load, and when the load started and ended."""
    binary = require_program("prometheus", "prometheus")
    tmp_path = tmp_path_factory.mktemp("end_to_end")
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), "DB_POOL_SIZE": "8"}
    (tmp_path / "prometheus").mkdir()
    with ServerProcess(migrated_url, workers=2, env=env) as server:
        config = render_config([f"127.0.0.1:{server.port}"], f"{SCRAPE_INTERVAL_S}s")
        prometheus = PrometheusProcess(binary, config, tmp_path / "prometheus").start()
        started = time.time()
        shoppers = _load_client(
            server.base_url, "shop", "--rate", str(SHOP_RATE), "--duration", str(TRAFFIC_S)
        )
        records = _load_client(
            server.base_url, "--duration", str(RECORDS_S), "--producers", "1", "--consumers", "1",
            "--batch-max", "20",
        )  # fmt: skip
        assert records.wait(timeout=TRAFFIC_S + 30) == 0
        assert shoppers.wait(timeout=TRAFFIC_S + 30) == 0
        # Two more scrapes, so that the last requests are in Prometheus.
        time.sleep(2 * SCRAPE_INTERVAL_S + 0.5)
    with prometheus:
        yield prometheus, started, time.time()


def test_every_dashboard_query_returns_data(
    traffic_seen_by_prometheus: tuple[PrometheusProcess, float, float],
) -> None:
    prometheus, start, end = traffic_seen_by_prometheus
    assert prometheus.api("query", query="up")["result"], "the server was never scraped"
    results: list[dict[str, Any]] = []
    for query in dashboard_queries():
        expr = substitute(query.expr, GRAFANA_VARIABLES)
        series = prometheus.query_range(expr, start, end, SCRAPE_INTERVAL_S)
        results.append({"panel": query.panel, "legend": query.legend, "expr": expr, "series": series})
    if os.environ.get("DASHBOARD_RESULTS"):
        Path(os.environ["DASHBOARD_RESULTS"]).write_bytes(
            orjson.dumps({"start": start, "end": end, "queries": results})
        )
    empty = [
        f"{result['panel']}: {result['legend']}" for result in results if not _has_a_number(result["series"])
    ]
    assert not empty, f"queries without data: {empty}"


def test_the_request_panel_has_one_line_per_method_route_and_status_class(
    traffic_seen_by_prometheus: tuple[PrometheusProcess, float, float],
) -> None:
    prometheus, start, end = traffic_seen_by_prometheus
    (query,) = [query for query in dashboard_queries() if query.panel == "HTTP requests"]
    series = prometheus.query_range(substitute(query.expr, GRAFANA_VARIABLES), start, end, SCRAPE_INTERVAL_S)
    lines = {
        query.legend.replace("{{method}}", one["metric"]["method"])
        .replace("{{handler}}", one["metric"]["handler"])
        .replace("{{status_class}}", one["metric"]["status_class"])
        for one in series
    }
    assert {"POST /item 2xx", "GET /item/{id} 4xx", "GET /metrics 2xx", "DELETE /{key} 2xx"} <= lines
