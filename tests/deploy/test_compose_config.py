"""docker-compose.yml, as Docker Compose v2 itself loads and normalizes it, describes the whole system.

Database, one-shot migration, two API replicas behind a proxy, the load client, Prometheus and Grafana;
each starts once what it needs is healthy (or, for the migration, completed); every long-running service
has a healthcheck and restarts unless stopped; the database keeps its data in a named volume; settings
are variables with defaults, which `.env.example` lists exactly.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from server.config.paths import PROJECT_ROOT
from tests.utils.compose import (
    COMPOSE_FILE,
    GRAFANA_PASSWORD_VARIABLE,
    TEST_GRAFANA_PASSWORD,
    normalized_config,
    run_compose,
    variable_defaults,
)
from tests.utils.tokens import API_TOKEN, OTHER_TOKEN

Services = dict[str, dict[str, Any]]
ONE_SHOT = {"migrate"}
# The collector's image is its binary alone: nothing in it can run a check (what depends on it waits for
# it to start; Kubernetes probes its health_check extension from outside).
NO_SHELL_IN_IMAGE = {"otel-collector"}
SERVICE_IMAGE_USERS = {"migrate", "api", "loadclient"}


def test_the_file_follows_the_compose_specification_without_a_version_key() -> None:
    assert "version" not in yaml.safe_load(COMPOSE_FILE.read_text())


def test_services_are_the_whole_system(services: Services) -> None:
    assert set(services) == {
        *("db", "migrate", "api", "proxy", "loadclient", "prometheus", "grafana", "otel-collector", "jaeger")
    }


def test_each_service_starts_once_what_it_needs_is_ready(services: Services) -> None:
    conditions = {
        name: {needed: rule["condition"] for needed, rule in service.get("depends_on", {}).items()}
        for name, service in services.items()
    }
    assert conditions == {
        "db": {},
        "migrate": {"db": "service_healthy"},
        "api": {"migrate": "service_completed_successfully", "otel-collector": "service_started"},
        "proxy": {"api": "service_healthy"},
        "loadclient": {"proxy": "service_healthy"},
        "prometheus": {"api": "service_healthy"},
        "grafana": {"prometheus": "service_healthy", "jaeger": "service_healthy"},
        "jaeger": {},
        "otel-collector": {"jaeger": "service_healthy"},
    }


def test_the_api_runs_two_replicas(services: Services) -> None:
    assert services["api"]["deploy"]["replicas"] == 2


def test_every_long_running_service_has_a_healthcheck(services: Services) -> None:
    for name, service in services.items():
        if name in ONE_SHOT or name in NO_SHELL_IN_IMAGE:
            assert service["healthcheck"] == {"disable": True}, name
        else:
            assert service["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL"), name
            assert service["healthcheck"]["interval"], name


def test_long_running_services_restart_unless_stopped_and_the_migration_never(services: Services) -> None:
    assert {name: service["restart"] for name, service in services.items()} == {
        name: "no" if name in ONE_SHOT else "unless-stopped" for name in services
    }


def test_the_database_is_pinned_by_major_version_checks_readiness_and_keeps_a_named_volume(
    compose_config: dict[str, Any], services: Services
) -> None:
    db = services["db"]
    assert re.fullmatch(r"postgres:\d+", db["image"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert [(v["type"], v["source"], v["target"]) for v in db["volumes"]] == [
        ("volume", "db-data", "/var/lib/postgresql/data")
    ]
    assert "db-data" in compose_config["volumes"]


def test_the_api_reaches_the_database_service_with_its_credentials(services: Services) -> None:
    database = services["db"]["environment"]
    for name in ("migrate", "api"):
        url = urlsplit(services[name]["environment"]["DATABASE_URL"])
        assert (url.scheme, url.hostname, url.port) == ("postgresql", "db", 5432), name
        assert (url.username, url.password, url.path) == (
            database["POSTGRES_USER"],
            database["POSTGRES_PASSWORD"],
            f"/{database['POSTGRES_DB']}",
        ), name


def test_one_image_is_built_and_run_by_the_service_processes(services: Services) -> None:
    built = [name for name, service in services.items() if "build" in service]
    assert built == ["migrate"]
    assert services["migrate"]["build"] == {"context": str(PROJECT_ROOT), "dockerfile": "Dockerfile"}
    image = services["migrate"]["image"]
    assert {services[name]["image"] for name in SERVICE_IMAGE_USERS} == {image}
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert f"SERVICE_IMAGE := {image}\n" in makefile, "make down removes the image compose builds"


def test_images_from_elsewhere_are_pinned(services: Services) -> None:
    for name, service in services.items():
        if name not in SERVICE_IMAGE_USERS:
            tag = service["image"].partition(":")[2]
            assert re.fullmatch(r"v?\d+(\.\d+)*(-[a-z]+)?", tag), (name, service["image"])


def test_the_api_listens_where_its_healthcheck_and_the_proxy_look(services: Services) -> None:
    api, proxy = services["api"], services["proxy"]
    port = api["environment"]["PORT"]
    assert api["environment"]["HOST"] == "0.0.0.0"
    assert f"http://127.0.0.1:{port}/healthz" in " ".join(api["healthcheck"]["test"])
    assert proxy["environment"]["API_UPSTREAM_SERVERS"] == f"server api:{port} resolve max_fails=0;"


def test_the_proxy_renders_the_committed_templates_and_publishes_its_port(services: Services) -> None:
    proxy = services["proxy"]
    assert [(v["source"], v["target"], v["read_only"]) for v in proxy["volumes"]] == [
        (str(PROJECT_ROOT / "deploy" / "nginx" / "templates"), "/etc/nginx/templates", True)
    ]
    assert [port["target"] for port in proxy["ports"]] == [int(proxy["environment"]["NGINX_PORT"])]


def test_the_load_client_runs_against_the_proxy(services: Services) -> None:
    command = services["loadclient"]["command"]
    assert command[:3] == ["python", "-m", "loadclient"]
    base_url = command[command.index("--base-url") + 1]
    assert base_url == f"http://proxy:{services['proxy']['environment']['NGINX_PORT']}"


def test_only_the_proxy_prometheus_grafana_and_jaeger_publish_ports_on_this_machine_by_default(
    services: Services,
) -> None:
    published = {
        name: [(port["host_ip"], port["published"]) for port in service["ports"]]
        for name, service in services.items()
        if service.get("ports")
    }
    assert published == {
        "proxy": [("127.0.0.1", "8080")],
        "prometheus": [("127.0.0.1", "9090")],
        "grafana": [("127.0.0.1", "3000")],
        "jaeger": [("127.0.0.1", "16686")],
    }


def test_prometheus_and_grafana_mount_the_deploy_directory(services: Services) -> None:
    deploy = PROJECT_ROOT / "deploy"
    mounts = {
        name: {(v["source"], v["target"]) for v in services[name]["volumes"] if v["type"] == "bind"}
        for name in ("prometheus", "grafana")
    }
    assert mounts == {
        "prometheus": {(str(deploy / "prometheus" / "prometheus.yml"), "/etc/prometheus/prometheus.yml")},
        "grafana": {
            (str(deploy / "grafana" / "provisioning"), "/etc/grafana/provisioning"),
            (str(deploy / "grafana" / "dashboards"), "/var/lib/grafana/dashboards"),
        },
    }


def test_grafana_opens_on_the_service_dashboard_for_anonymous_viewers(services: Services) -> None:
    environment = services["grafana"]["environment"]
    assert environment["GF_AUTH_ANONYMOUS_ENABLED"] == "true"
    assert environment["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"
    home = environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home == "/var/lib/grafana/dashboards/service.json"


def test_grafana_s_admin_password_is_the_one_configured(services: Services) -> None:
    assert services["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"] == TEST_GRAFANA_PASSWORD


def test_compose_refuses_to_start_without_a_grafana_password_and_says_why() -> None:
    with pytest.raises(AssertionError, match=f"{GRAFANA_PASSWORD_VARIABLE}.*make up writes one"):
        run_compose("config")


def test_env_example_lists_every_variable_at_its_default() -> None:
    listed = dict(
        line.split("=", 1)
        for line in (PROJECT_ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert listed == variable_defaults()


def test_by_default_the_api_is_open_and_the_load_client_sends_no_token(services: Services) -> None:
    assert services["api"]["environment"]["API_TOKENS"] == ""
    assert services["loadclient"]["environment"]["API_TOKEN"] == ""


def test_api_tokens_in_env_secure_the_api_and_the_load_client_sends_that_token(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"{GRAFANA_PASSWORD_VARIABLE}=x\nAPI_TOKENS={API_TOKEN}\n")
    services = normalized_config(env_file)["services"]
    assert services["api"]["environment"]["API_TOKENS"] == API_TOKEN
    assert services["loadclient"]["environment"]["API_TOKEN"] == API_TOKEN


def test_with_several_tokens_the_load_client_sends_the_one_named_for_it(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    settings = f"API_TOKENS={OTHER_TOKEN},{API_TOKEN}\nLOADCLIENT_TOKEN={API_TOKEN}\n"
    env_file.write_text(f"{GRAFANA_PASSWORD_VARIABLE}=x\n{settings}")
    services = normalized_config(env_file)["services"]
    assert services["api"]["environment"]["API_TOKENS"] == f"{OTHER_TOKEN},{API_TOKEN}"
    assert services["loadclient"]["environment"]["API_TOKEN"] == API_TOKEN
