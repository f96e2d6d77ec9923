"""A real Prometheus on a free port, configured from deploy/, and the dashboard's queries run through it."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import yaml

from devtools.ports import free_port
from devtools.processes import answers_ok, stop_process
from server.config.paths import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
PROMETHEUS_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
DATASOURCES = DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
DASHBOARD_PROVIDER = DEPLOY / "grafana" / "provisioning" / "dashboards" / "provider.yml"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "service.json"
STARTUP_TIMEOUT_S = 30.0
_GRAFANA_VARIABLE = re.compile(r"\$__\w+|\$\{__\w+\}")


def render_config(targets: list[str], scrape_interval: str) -> dict[str, Any]:
    """deploy/'s Prometheus configuration with static local targets in place of Docker's DNS.

    Everything else is kept, but the intervals: a test cannot wait for 5 s scrapes.
    """
    config: dict[str, Any] = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    config["global"].update(scrape_interval=scrape_interval, evaluation_interval=scrape_interval)
    for job in config["scrape_configs"]:
        job.pop("dns_sd_configs")
        job["static_configs"] = [{"targets": targets}]
    return config


@dataclass(frozen=True)
class Query:
    panel: str
    legend: str
    expr: str


def dashboard_queries() -> list[Query]:
    dashboard = orjson.loads(DASHBOARD.read_bytes())
    return [
        Query(panel["title"], target.get("legendFormat", ""), target["expr"])
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]


def substitute(expr: str, variables: dict[str, str]) -> str:
    """Grafana's own variables replaced as Grafana would; an unknown one raises KeyError."""
    return _GRAFANA_VARIABLE.sub(lambda match: variables[match[0].replace("{", "").replace("}", "")], expr)


class PrometheusProcess:
    def __init__(
        self, binary: str, config: dict[str, Any], directory: Path, *, flags: Sequence[str] = ()
    ) -> None:
        self._binary = binary
        self._flags = list(flags)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._config_path = directory / "prometheus.yml"
        self._config_path.write_text(yaml.safe_dump(config))
        self._data = directory / "data"
        self._log_path = directory / "prometheus.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> PrometheusProcess:
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [
                    self._binary,
                    f"--config.file={self._config_path}",
                    f"--storage.tsdb.path={self._data}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    *self._flags,
                ],
                stdout=log,
                stderr=log,
            )
        if answers_ok(self._process, f"{self.base_url}/-/ready", STARTUP_TIMEOUT_S):
            return self
        if self._process.poll() is not None:
            raise RuntimeError(f"prometheus exited: {self._log_path.read_text()[-2000:]}")
        self.stop()
        raise RuntimeError(f"prometheus not ready within {STARTUP_TIMEOUT_S}s")

    def api(self, endpoint: str, **params: str | float) -> Any:
        response = httpx.get(f"{self.base_url}/api/v1/{endpoint}", params=params, timeout=30)
        body = response.json()
        assert body["status"] == "success", f"{endpoint} {params}: {body}"
        return body["data"]

    def query_range(self, expr: str, start: float, end: float, step_s: float) -> list[dict[str, Any]]:
        data = self.api("query_range", query=expr, start=start, end=end, step=step_s)
        assert data["resultType"] == "matrix"
        result: list[dict[str, Any]] = data["result"]
        return result

    def stop(self) -> None:
        if self._process is not None:
            stop_process(self._process)

    def __enter__(self) -> PrometheusProcess:
        return self if self._process is not None else self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
