"""The Prometheus, Grafana and OpenTelemetry Collector files under deploy/ fit what compose mounts them into.

The Prometheus configuration (promtool checks it in tests/metrics) scrapes every API replica through DNS
service discovery on the service's name and port (not the proxy, which would sample one replica at
random); the Grafana datasource points at the prometheus service, the dashboard provider reads the
directory compose mounts, and the home dashboard compose names is there. The services send their traces
to the collector, which forwards them to Jaeger; Grafana reads Jaeger and links the latency exemplars to it.
No collector, Jaeger or Grafana runs on these machines: what is checked is their configuration as compose
and this test read it (docs/tracing.md says what is left unproven).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from server.config.paths import PROJECT_ROOT

Services = dict[str, dict[str, Any]]
DEPLOY = PROJECT_ROOT / "deploy"
PROMETHEUS_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
DATASOURCES = DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
DASHBOARD_PROVIDER = DEPLOY / "grafana" / "provisioning" / "dashboards" / "provider.yml"
TRACE_DATASOURCES = DEPLOY / "grafana" / "provisioning" / "datasources" / "traces.yml"
COLLECTOR_CONFIG = DEPLOY / "otel-collector" / "config.yaml"


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


def test_the_services_export_traces_to_the_collector_s_otlp_http_receiver(services: Services) -> None:
    config = _load(COLLECTOR_CONFIG)
    receiver = config["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
    for name in ("api", "loadclient"):
        environment = services[name]["environment"]
        endpoint = urlsplit(environment["OTEL_EXPORTER_OTLP_ENDPOINT"])
        assert (endpoint.hostname, endpoint.port) == ("otel-collector", int(receiver.rsplit(":", 1)[1])), name
        assert environment["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf", name
        # Parent-based: the API follows the load client's decision, so a trace is whole or absent.
        assert environment["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio", name
        assert 0 < float(environment["OTEL_TRACES_SAMPLER_ARG"]) <= 1, name
    assert (
        services["api"]["environment"]["OTEL_SERVICE_NAME"]
        != services["loadclient"]["environment"]["OTEL_SERVICE_NAME"]
    )


def test_the_collector_reads_the_mounted_config_and_forwards_traces_to_jaeger(services: Services) -> None:
    collector = services["otel-collector"]
    (flag,) = collector["command"]
    assert _mounted_on_host(services, "otel-collector", flag.removeprefix("--config=")) == COLLECTOR_CONFIG
    config = _load(COLLECTOR_CONFIG)
    (pipeline,) = config["service"]["pipelines"].values()
    for kind in ("receivers", "processors", "exporters"):
        assert set(pipeline[kind]) <= set(config[kind]), f"{kind} used but not defined"
    assert set(config["service"]["extensions"]) <= set(config["extensions"])
    (exporter,) = (config["exporters"][name] for name in pipeline["exporters"])
    host, port = exporter["endpoint"].rsplit(":", 1)
    # Jaeger's OTLP gRPC receiver, inside the network.
    assert (host, port) == ("jaeger", "4317")
    assert "jaeger" in services


def test_the_memory_limiter_comes_first_among_the_processors() -> None:
    (pipeline,) = _load(COLLECTOR_CONFIG)["service"]["pipelines"].values()
    assert pipeline["processors"][0] == "memory_limiter"


def test_grafana_reads_traces_from_jaeger_and_links_exemplars_to_them(services: Services) -> None:
    (traces,) = _load(TRACE_DATASOURCES)["datasources"]
    (ui_port,) = services["jaeger"]["ports"]
    assert traces["type"] == "jaeger"
    assert traces["url"] == f"http://jaeger:{ui_port['target']}"
    (prometheus,) = _load(DATASOURCES)["datasources"]
    assert prometheus["jsonData"]["exemplarTraceIdDestinations"] == [
        {"name": "trace_id", "datasourceUid": traces["uid"]}
    ]


def test_prometheus_stores_exemplars(services: Services) -> None:
    assert "--enable-feature=exemplar-storage" in services["prometheus"]["command"]


def test_the_latency_panel_asks_for_exemplars() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "service.json").read_text())
    (latency,) = (panel for panel in dashboard["panels"] if panel["title"].startswith("Latency"))
    assert all(target.get("exemplar") is True for target in latency["targets"])
