"""The Prometheus and Grafana files under deploy/ fit what compose mounts them into.

The Prometheus configuration (promtool checks it in tests/metrics) scrapes every API replica through DNS
service discovery on the service's name and port (not the proxy, which would sample one replica at
random); the Grafana datasource points at the prometheus service, the dashboard provider reads the
directory compose mounts, and the home dashboard compose names is there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from server.config.paths import PROJECT_ROOT

Services = dict[str, dict[str, Any]]
DEPLOY = PROJECT_ROOT / "deploy"
PROMETHEUS_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
DATASOURCES = DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
DASHBOARD_PROVIDER = DEPLOY / "grafana" / "provisioning" / "dashboards" / "provider.yml"


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _mounted_on_host(services: Services, service: str, target: str) -> Path:
    """The host path compose binds to `target` (or to the directory holding it) in the service."""
    for volume in services[service]["volumes"]:
        if volume["type"] == "bind" and (target + "/").startswith(volume["target"] + "/"):
            return Path(volume["source"]) / target.removeprefix(volume["target"]).lstrip("/")
    raise AssertionError(f"nothing is mounted at {target} in {service}")


def test_prometheus_discovers_every_api_replica_by_dns(services: Services) -> None:
    discovered = [
        discovery
        for job in _load(PROMETHEUS_CONFIG)["scrape_configs"]
        for discovery in job.get("dns_sd_configs", [])
    ]
    port = int(services["api"]["environment"]["PORT"])
    # One A record per replica: Prometheus scrapes each of them as its own target.
    assert {"names": ["api"], "type": "A", "port": port} in [
        {key: discovery.get(key) for key in ("names", "type", "port")} for discovery in discovered
    ]


def test_grafana_reads_prometheus_from_the_prometheus_service(services: Services) -> None:
    (datasource,) = _load(DATASOURCES)["datasources"]
    (published,) = services["prometheus"]["ports"]
    assert datasource["uid"] == "prometheus"
    assert datasource["url"] == f"http://prometheus:{published['target']}"


def test_grafana_provisions_dashboards_from_the_directory_compose_mounts(services: Services) -> None:
    (provider,) = _load(DASHBOARD_PROVIDER)["providers"]
    mounted = _mounted_on_host(services, "grafana", provider["options"]["path"])
    assert mounted == DEPLOY / "grafana" / "dashboards"


def test_the_home_dashboard_is_the_service_dashboard(services: Services) -> None:
    _load(DASHBOARD_PROVIDER)
    home = services["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    dashboard = json.loads(_mounted_on_host(services, "grafana", home).read_text())
    assert dashboard["uid"] == "service"
