"""The rendered Kubernetes objects hold to the system they deploy: the contract, the settings, the timeouts.

Each invariant is a function over one overlay's rendered objects, run on every overlay; the last tests break
a copy of the objects (a probe on a path the contract lacks, a grace period inside the drain, ...) and
show the same function failing, so that these checks are known to bite.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from server.__main__ import GRACEFUL_SHUTDOWN_S
from server.config.paths import PROJECT_ROOT
from server.config.settings import Settings
from server.handlers.health import READINESS_TIMEOUT_S
from tests.utils.kubernetes import (
    OVERLAY_NAMES,
    Object,
    ToolMissing,
    container,
    environment,
    named,
    of_kind,
    parse,
    pod_labels,
    pod_spec,
    rendered_overlay,
    selects,
    workloads,
)

API = "records-shop-api"
CONTRACT = PROJECT_ROOT / "openapi" / "openapi.yaml"
VERSION = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]
APP_IMAGE = "records-shop-service"
# Beyond preStop's pause and the server's drain: the pool and the chat's connections close in it.
GRACE_MARGIN_S = 5
# What the migrate Job holds (alembic: one connection) and what operators keep for psql and monitoring.
MIGRATION_CONNECTIONS = 1
CONNECTION_MARGIN = 10
# The chat's own connections per process: one listening, one publishing (server/chat/postgres.py).
CHAT_CONNECTIONS = 2
# A chat WebSocket may stay idle this long before the proxy closes it.
WEBSOCKET_IDLE_S = 600
# Who may reach what, as (namespace, pod labels) of the sources: ingress-nginx and Prometheus (the charts'
# default namespaces), the in-cluster PostgreSQL from the API and the migration only.
INGRESS_CONTROLLER = ("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
PROMETHEUS = ("monitoring", {"app.kubernetes.io/name": "prometheus"})

Check = Callable[[list[Object]], None]


def _objects(overlay: str) -> list[Object]:
    try:
        return parse(rendered_overlay(overlay))
    except ToolMissing as error:
        pytest.fail(str(error))


def _contract_get_paths() -> set[str]:
    paths: dict[str, Any] = yaml.safe_load(CONTRACT.read_text())["paths"]
    return {path for path, item in paths.items() if "get" in item}


def _api(objects: list[Object]) -> Object:
    return named(objects, "Deployment", API)


def _api_environment(objects: list[Object]) -> dict[str, str | None]:
    return environment(objects, container(_api(objects), "api"))


def _container_port(workload_container: Object, port: int | str) -> int:
    if isinstance(port, int):
        return port
    (number,) = [each["containerPort"] for each in workload_container["ports"] if each["name"] == port]
    return int(number)


def _seconds(value: str) -> int:
    return int(value.removesuffix("s"))


# The invariants, each over one overlay's objects.


def probes_ask_the_contract_on_the_server_port(objects: list[Object]) -> None:
    api = container(_api(objects), "api")
    port = int(_api_environment(objects)["PORT"] or 0)
    paths = _contract_get_paths()
    expected = {"startupProbe": "/healthz", "readinessProbe": "/readyz", "livenessProbe": "/healthz"}
    for probe, path in expected.items():
        get = api[probe]["httpGet"]
        assert get["path"] == path, probe
        assert get["path"] in paths, f"{probe} asks {get['path']}, which the contract lacks"
        assert _container_port(api, get["port"]) == port, f"{probe} asks a port the server does not bind"
    # /readyz answers within READINESS_TIMEOUT_S whatever the database does: the probe waits longer.
    assert api["readinessProbe"]["timeoutSeconds"] > READINESS_TIMEOUT_S
    assert api["livenessProbe"]["timeoutSeconds"] > READINESS_TIMEOUT_S


LOAD_CLIENT_VARIABLES = frozenset({"API_TOKEN"})


def every_variable_is_a_setting(objects: list[Object]) -> None:
    server = {name.upper() for name in Settings.model_fields}
    for workload in workloads(objects):
        if not pod_spec(workload)["containers"][0]["image"].startswith(APP_IMAGE):
            continue
        for each in pod_spec(workload)["containers"]:
            # The load client runs the same image and reads one variable of its own (loadclient/__main__.py).
            known = LOAD_CLIENT_VARIABLES if "loadclient" in each.get("command", []) else server
            for variable in environment(objects, each):
                assert variable in known or variable.startswith("OTEL_"), (
                    f"{workload['metadata']['name']} sets {variable}, which the server does not read"
                )
    # And every value is one the settings accept.
    settings = {key: value for key, value in _api_environment(objects).items() if value is not None}
    Settings.model_validate({key.lower(): value for key, value in settings.items()})


def grace_period_outlasts_the_pause_and_the_drain(objects: list[Object]) -> None:
    spec = pod_spec(_api(objects))
    pre_stop = container(_api(objects), "api")["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    pause = int(pre_stop[1])
    # The endpoint is removed while the pod still serves: a pause of a few seconds at least.
    assert pause >= 3
    assert spec["terminationGracePeriodSeconds"] >= pause + GRACEFUL_SHUTDOWN_S + GRACE_MARGIN_S


def the_ingress_admits_the_bodies_the_server_does(objects: list[Object]) -> None:
    limit = int(_api_environment(objects)["MAX_BODY_BYTES"] or 0)
    assert limit == Settings.model_fields["max_body_bytes"].default
    serving = [
        ingress
        for ingress in of_kind(objects, "Ingress")
        if any(
            path["pathType"] == "Prefix"
            for rule in ingress["spec"]["rules"]
            for path in rule["http"]["paths"]
        )
    ]
    assert serving
    for ingress in serving:
        annotations = ingress["metadata"]["annotations"]
        assert annotations.get("nginx.ingress.kubernetes.io/proxy-body-size") == str(limit)
        for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
            assert int(annotations[f"nginx.ingress.kubernetes.io/{timeout}"]) >= WEBSOCKET_IDLE_S
    for ingress in of_kind(objects, "Ingress"):
        assert ingress["spec"]["ingressClassName"] == "nginx"
        (tls,) = ingress["spec"]["tls"]
        assert tls["secretName"]
        assert {rule["host"] for rule in ingress["spec"]["rules"]} <= set(tls["hosts"])


def metrics_are_not_served_through_the_ingress(objects: list[Object]) -> None:
    routes = [
        (ingress, path)
        for ingress in of_kind(objects, "Ingress")
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    exact = [(ingress, path) for ingress, path in routes if path["path"] == "/metrics"]
    # An Exact /metrics (which wins over every Prefix) on an Ingress refusing every address, and nothing
    # else on that Ingress.
    assert [path["pathType"] for _, path in exact] == ["Exact"]
    ((ingress, _),) = exact
    denied = ingress["metadata"]["annotations"].get("nginx.ingress.kubernetes.io/denylist-source-range", "")
    assert set(denied.split(",")) == {"0.0.0.0/0", "::/0"}
    assert len([path for owner, path in routes if owner is ingress]) == 1
    # Its host is every host the API is served on.
    hosts = {rule["host"] for each in of_kind(objects, "Ingress") for rule in each["spec"]["rules"]}
    assert {rule["host"] for rule in ingress["spec"]["rules"]} == hosts


def the_migration_runs_before_serving(objects: list[Object]) -> None:
    api = container(_api(objects), "api")
    (job,) = of_kind(objects, "Job")
    migrate = container(job, "migrate")
    assert migrate["command"] == ["python", "-m", "server", "migrate"]
    assert api["command"] == ["python", "-m", "server"]
    # The same code, on the same database: the Job's migrations are the ones the server checks for.
    assert migrate["image"] == api["image"]
    database = [each for each in api["env"] if each["name"] == "DATABASE_URL"]
    assert [each for each in migrate["env"] if each["name"] == "DATABASE_URL"] == database
    # Once per release: the Job's name carries the version (a Job's template cannot change in place).
    assert job["metadata"]["name"].endswith("-" + VERSION.replace(".", "-"))
    assert job["spec"]["parallelism"] == 1
    assert job["spec"]["completions"] == 1
    assert pod_spec(job)["restartPolicy"] == "Never"
    # Until it has run, the API's pods do not start (the server refuses a schema behind its code:
    # tests/service/test_process.py), and the rollout never takes a serving pod away meanwhile.
    strategy = _api(objects)["spec"]["strategy"]["rollingUpdate"]
    assert strategy["maxUnavailable"] == 0


def images_are_pinned_and_the_app_is_the_version(objects: list[Object]) -> None:
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())["services"]
    for workload in workloads(objects):
        spec = pod_spec(workload)
        for each in spec["containers"] + spec.get("initContainers", []):
            name, _, tag = each["image"].rpartition(":")
            assert name and tag and tag != "latest", each["image"]
            if name == APP_IMAGE:
                assert tag == VERSION
            else:
                # Other images are the compose file's, so both setups run the same PostgreSQL.
                assert each["image"] in {service.get("image") for service in compose.values()}


def pods_run_restricted(objects: list[Object]) -> None:
    for workload in workloads(objects):
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False
        for each in spec["containers"]:
            context = each["securityContext"]
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert each["resources"]["requests"] and each["resources"]["limits"]
            if each["image"].startswith(APP_IMAGE + ":"):
                # The image's user (Dockerfile), and an emptyDir wherever it writes.
                assert (context["runAsUser"], context["runAsGroup"]) == (10001, 10001)
                mounts = {mount["mountPath"] for mount in each.get("volumeMounts", [])}
                assert "/tmp" in mounts
                directory = environment(objects, each).get("PROMETHEUS_MULTIPROC_DIR")
                assert directory is None or directory in mounts


def the_api_is_highly_available(objects: list[Object]) -> None:
    api = _api(objects)
    labels = pod_labels(api)
    assert api["spec"]["replicas"] >= 3
    hpa = named(objects, "HorizontalPodAutoscaler", API)
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": API}
    assert hpa["spec"]["minReplicas"] >= 3
    ((metric),) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    pdb = named(objects, "PodDisruptionBudget", API)
    assert selects(pdb["spec"]["selector"], labels)
    assert pdb["spec"]["maxUnavailable"] == 1
    spread = pod_spec(api)["topologySpreadConstraints"]
    assert "kubernetes.io/hostname" in {each["topologyKey"] for each in spread}
    assert all(selects(each["labelSelector"], labels) for each in spread)
    service = named(objects, "Service", API)
    assert selects({"matchLabels": service["spec"]["selector"]}, labels)
    (port,) = service["spec"]["ports"]
    assert _container_port(container(api, "api"), port["targetPort"]) == int(
        _api_environment(objects)["PORT"] or 0
    )
    # Prometheus without the Operator scrapes each pod on the server's port and the contract's path.
    annotations = api["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == _api_environment(objects)["PORT"]
    assert annotations["prometheus.io/path"] in _contract_get_paths()


def database_connections_fit(objects: list[Object]) -> None:
    hpa = named(objects, "HorizontalPodAutoscaler", API)
    settings = _api_environment(objects)
    surge = _api(objects)["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
    pods = hpa["spec"]["maxReplicas"] + surge
    per_process = int(settings["DB_POOL_SIZE"] or 0) + CHAT_CONNECTIONS
    needed = pods * int(settings["WORKERS"] or 0) * per_process + MIGRATION_CONNECTIONS + CONNECTION_MARGIN
    budget = int(hpa["metadata"]["annotations"]["records-shop/postgres-max-connections"])
    assert needed <= budget, f"{needed} connections at most, PostgreSQL admits {budget}"
    # The in-cluster PostgreSQL (dev) is started with that very budget.
    for statefulset in of_kind(objects, "StatefulSet"):
        args = container(statefulset, "postgres")["args"]
        assert f"max_connections={budget}" in args


def _admitted(objects: list[Object], target: dict[str, str]) -> set[tuple[str | None, frozenset[Any]]]:
    """(namespace or None for the policy's own, pod labels) of every source a NetworkPolicy admits."""
    sources: set[tuple[str | None, frozenset[Any]]] = set()
    for policy in of_kind(objects, "NetworkPolicy"):
        if not selects(policy["spec"]["podSelector"], target):
            continue
        assert "Ingress" in policy["spec"]["policyTypes"]
        for rule in policy["spec"].get("ingress", []):
            assert rule.get("from"), f"{policy['metadata']['name']} admits every source"
            for peer in rule["from"]:
                assert "ipBlock" not in peer
                namespace = peer.get("namespaceSelector", {}).get("matchLabels", {})
                labels = peer["podSelector"]["matchLabels"]
                sources.add((namespace.get("kubernetes.io/metadata.name"), frozenset(labels.items())))
    return sources


def network_policies_admit_exactly_the_paths(objects: list[Object]) -> None:
    def peer(namespace: str | None, labels: dict[str, str]) -> tuple[str | None, frozenset[Any]]:
        return namespace, frozenset(labels.items())

    api_sources = {peer(*INGRESS_CONTROLLER), peer(*PROMETHEUS)}
    if any(each["metadata"]["name"] == "records-shop-load-client" for each in workloads(objects)):
        # The optional load client's component opens the one path it needs.
        api_sources.add(peer(None, {"app.kubernetes.io/name": "records-shop-load-client"}))
    assert _admitted(objects, pod_labels(_api(objects))) == api_sources
    for statefulset in of_kind(objects, "StatefulSet"):
        database_sources = {
            peer(None, {"app.kubernetes.io/name": name})
            for name in (API, pod_labels(of_kind(objects, "Job")[0])["app.kubernetes.io/name"])
        }
        assert _admitted(objects, pod_labels(statefulset)) == database_sources
    # Every pod is under some NetworkPolicy: none is open to the whole cluster.
    for workload in workloads(objects):
        assert any(
            selects(policy["spec"]["podSelector"], pod_labels(workload))
            for policy in of_kind(objects, "NetworkPolicy")
        ), workload["metadata"]["name"]


def the_dashboard_is_the_compose_one(objects: list[Object]) -> None:
    dashboards = [
        each
        for each in of_kind(objects, "ConfigMap")
        if each["metadata"].get("labels", {}).get("grafana_dashboard")
    ]
    ((dashboard),) = dashboards
    source = PROJECT_ROOT / "deploy" / "grafana" / "dashboards" / "service.json"
    assert json.loads(dashboard["data"]["service.json"]) == json.loads(source.read_text())


def _service_port(objects: list[Object], url: str) -> tuple[Object, int]:
    """The Service a `host:port` or URL names in the namespace, and the pod port its port targets."""
    host, _, port = url.removeprefix("http://").rstrip("/").rpartition(":")
    service = named(objects, "Service", host)
    (target,) = [each["targetPort"] for each in service["spec"]["ports"] if each["port"] == int(port)]
    return service, target


def traces_reach_jaeger_through_the_collector(objects: list[Object]) -> None:
    exporting = [
        each
        for workload in workloads(objects)
        for each in pod_spec(workload)["containers"]
        if "OTEL_EXPORTER_OTLP_ENDPOINT" in environment(objects, each)
    ]
    if not exporting:
        # No tracing component: nothing exports, and nothing of the collector is there.
        assert not [
            each for each in of_kind(objects, "Deployment") if each["metadata"]["name"] == "otel-collector"
        ]
        return
    collector = named(objects, "Deployment", "otel-collector")
    for each in exporting:
        endpoint = environment(objects, each)["OTEL_EXPORTER_OTLP_ENDPOINT"] or ""
        service, target = _service_port(objects, endpoint)
        assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels(collector))
        assert _container_port(container(collector, "otel-collector"), target) == 4318
        assert environment(objects, each)["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"
    # The collector runs the very configuration compose mounts.
    (config,) = [
        each for each in of_kind(objects, "ConfigMap") if each["metadata"]["name"] == "otel-collector-config"
    ]
    source = PROJECT_ROOT / "deploy" / "otel-collector" / "config.yaml"
    assert yaml.safe_load(config["data"]["config.yaml"]) == yaml.safe_load(source.read_text())
    mounts = {
        mount["name"]: mount["mountPath"] for mount in container(collector, "otel-collector")["volumeMounts"]
    }
    (flag,) = container(collector, "otel-collector")["args"]
    assert flag == f"--config={mounts['config']}/config.yaml"
    # Its exporter's address is Jaeger's OTLP port.
    (exporter,) = yaml.safe_load(source.read_text())["exporters"].values()
    jaeger = named(objects, "Deployment", "jaeger")
    service, target = _service_port(objects, exporter["endpoint"])
    assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels(jaeger))
    assert _container_port(container(jaeger, "jaeger"), target) == 4317
    # The NetworkPolicies let each span through: exporters to the collector, the collector to Jaeger.
    admitted = [
        dict(labels) for namespace, labels in _admitted(objects, pod_labels(collector)) if namespace is None
    ]
    for workload in workloads(objects):
        if any(
            "OTEL_EXPORTER_OTLP_ENDPOINT" in environment(objects, each)
            for each in pod_spec(workload)["containers"]
        ):
            labels = pod_labels(workload)
            assert any(selects({"matchLabels": source}, labels) for source in admitted), workload["metadata"][
                "name"
            ]
    from_collector = [dict(labels) for _, labels in _admitted(objects, pod_labels(jaeger))]
    assert any(selects({"matchLabels": source}, pod_labels(collector)) for source in from_collector)


INVARIANTS: list[Check] = [
    probes_ask_the_contract_on_the_server_port,
    every_variable_is_a_setting,
    grace_period_outlasts_the_pause_and_the_drain,
    the_ingress_admits_the_bodies_the_server_does,
    metrics_are_not_served_through_the_ingress,
    the_migration_runs_before_serving,
    images_are_pinned_and_the_app_is_the_version,
    pods_run_restricted,
    the_api_is_highly_available,
    database_connections_fit,
    network_policies_admit_exactly_the_paths,
    the_dashboard_is_the_compose_one,
    traces_reach_jaeger_through_the_collector,
]


@pytest.mark.parametrize("invariant", INVARIANTS, ids=lambda check: check.__name__)
@pytest.mark.parametrize("overlay", OVERLAY_NAMES)
def test_invariant(overlay: str, invariant: Check) -> None:
    invariant(_objects(overlay))


def test_chat_connections_are_the_fan_out_s() -> None:
    # The budget counts two per process: the listening and the publishing connection.
    source = (PROJECT_ROOT / "server" / "chat" / "postgres.py").read_text()
    assert source.count('self._connected("') == CHAT_CONNECTIONS


def test_the_load_client_runs_the_compose_demo_load_against_the_api() -> None:
    objects = _objects("dev-full")
    command = container(named(objects, "Deployment", "records-shop-load-client"), "load-client")["command"]
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())["services"]["loadclient"]
    bound = re.search(r"--max-records \$\{[A-Z_]+:-(\d+)\}", compose["command"])
    assert bound, compose["command"]
    assert command[command.index("--max-records") + 1] == bound.group(1)
    service = named(objects, "Service", API)
    assert command[command.index("--base-url") + 1] == f"http://{API}:{service['spec']['ports'][0]['port']}"


def test_the_prod_ingress_asks_cert_manager_once() -> None:
    issuers = [
        each["metadata"]["annotations"].get("cert-manager.io/cluster-issuer")
        for each in of_kind(_objects("prod"), "Ingress")
    ]
    assert sorted(issuers, key=str) == sorted(["letsencrypt-prod", None], key=str)


def test_prod_takes_its_database_from_a_secret_the_user_creates() -> None:
    objects = _objects("prod")
    assert of_kind(objects, "Secret") == []
    assert of_kind(objects, "StatefulSet") == []


def _break(overlay: str, change: Callable[[list[Object]], None]) -> list[Object]:
    objects = copy.deepcopy(_objects(overlay))
    change(objects)
    return objects


def _probe_on(path: str) -> Callable[[list[Object]], None]:
    def change(objects: list[Object]) -> None:
        container(_api(objects), "api")["readinessProbe"]["httpGet"]["path"] = path

    return change


def _set_grace(seconds: int) -> Callable[[list[Object]], None]:
    def change(objects: list[Object]) -> None:
        pod_spec(_api(objects))["terminationGracePeriodSeconds"] = seconds

    return change


def _unknown_variable(objects: list[Object]) -> None:
    container(_api(objects), "api")["env"].append({"name": "DB_POOL", "value": "8"})


def _body_limit(objects: list[Object]) -> None:
    annotations = named(objects, "Ingress", API)["metadata"]["annotations"]
    annotations["nginx.ingress.kubernetes.io/proxy-body-size"] = "1m"


def _more_replicas(objects: list[Object]) -> None:
    named(objects, "HorizontalPodAutoscaler", API)["spec"]["maxReplicas"] = 20


def _open_database(objects: list[Object]) -> None:
    policy = named(objects, "NetworkPolicy", "postgres")
    policy["spec"]["ingress"][0]["from"].append({"podSelector": {"matchLabels": {"app": "anything"}}})


def _metrics_served(objects: list[Object]) -> None:
    named(objects, "Ingress", "records-shop-api-metrics")["metadata"]["annotations"].pop(
        "nginx.ingress.kubernetes.io/denylist-source-range"
    )


def _latest(objects: list[Object]) -> None:
    container(_api(objects), "api")["image"] = f"{APP_IMAGE}:latest"


BROKEN: list[tuple[str, Callable[[list[Object]], None], Check]] = [
    ("probe on a path the contract lacks", _probe_on("/ready"), probes_ask_the_contract_on_the_server_port),
    ("grace period inside the drain", _set_grace(10), grace_period_outlasts_the_pause_and_the_drain),
    ("a variable the server does not read", _unknown_variable, every_variable_is_a_setting),
    ("ingress body limit below MAX_BODY_BYTES", _body_limit, the_ingress_admits_the_bodies_the_server_does),
    ("more replicas than connections", _more_replicas, database_connections_fit),
    ("database open to another pod", _open_database, network_policies_admit_exactly_the_paths),
    ("/metrics through the ingress", _metrics_served, metrics_are_not_served_through_the_ingress),
    ("an image at latest", _latest, images_are_pinned_and_the_app_is_the_version),
]


@pytest.mark.parametrize(
    ("change", "invariant"), [each[1:] for each in BROKEN], ids=[each[0] for each in BROKEN]
)
def test_a_broken_manifest_fails_its_invariant(
    change: Callable[[list[Object]], None], invariant: Check
) -> None:
    with pytest.raises(AssertionError):
        invariant(_break("dev", change))


def _spans_to_another_port(objects: list[Object]) -> None:
    for each in container(_api(objects), "api")["env"]:
        if each["name"] == "OTEL_EXPORTER_OTLP_ENDPOINT":
            each["value"] = "http://otel-collector:4317"


def _collector_closed_to_the_api(objects: list[Object]) -> None:
    named(objects, "NetworkPolicy", "otel-collector")["spec"]["ingress"][0]["from"].pop(0)


@pytest.mark.parametrize(
    "change",
    [_spans_to_another_port, _collector_closed_to_the_api],
    ids=["OTLP/HTTP sent to the gRPC port", "collector closed to the API"],
)
def test_broken_tracing_fails_its_invariant(change: Callable[[list[Object]], None]) -> None:
    with pytest.raises(AssertionError):
        traces_reach_jaeger_through_the_collector(_break("dev-full", change))
