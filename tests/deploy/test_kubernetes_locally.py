"""The rendered pods' own commands and settings, run as local processes against a throwaway PostgreSQL.

No cluster here: what a kubelet would run is run directly. The API's container, with the settings
ConfigMap's values, refuses a database the migrate Job has not migrated yet; the Job's command migrates it;
the API then answers its probes and the Prometheus annotation's path, and stops on SIGTERM within the grace
period left after preStop's pause. Only addresses change: DATABASE_URL, HOST, PORT and the metrics directory
(the pod's emptyDir).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from devtools.ports import free_port
from tests.utils.kubernetes import (
    Object,
    ToolMissing,
    container,
    environment,
    named,
    of_kind,
    parse,
    pod_spec,
    rendered_overlay,
)
from tests.utils.local_services import LocalService, run_to_completion

pytestmark = pytest.mark.slow


def _objects() -> list[Object]:
    try:
        return parse(rendered_overlay("dev"))
    except ToolMissing as error:
        pytest.fail(str(error))


def _as_service(objects: list[Object], workload_container: Object) -> dict[str, Any]:
    """A container as tests/utils/local_services runs a compose service: its command and environment."""
    variables = environment(objects, workload_container)
    return {
        "command": workload_container["command"],
        "environment": {name: value for name, value in variables.items() if value is not None},
    }


def test_the_api_waits_for_the_migration_then_serves_its_probes_and_drains_in_time(
    postgres_database: Callable[[str], str], tmp_path: Path
) -> None:
    objects = _objects()
    api_workload = named(objects, "Deployment", "records-shop-api")
    api = container(api_workload, "api")
    (job,) = of_kind(objects, "Job")
    database_url = postgres_database("kubernetes_local")
    port = free_port()
    local = {
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    # Before the Job: the pod's process refuses the empty schema, so it never becomes ready.
    early = LocalService(_as_service(objects, api), local, tmp_path / "early.log").start()
    assert early.process.wait(timeout=60) == 1
    early.stop()
    assert "python -m server migrate" in early.output()

    migrate = run_to_completion(
        _as_service(objects, container(job, "migrate")), {"DATABASE_URL": database_url}
    )
    assert migrate.returncode == 0, migrate.stderr

    server = LocalService(_as_service(objects, api), local, tmp_path / "api.log").start()
    base = f"http://127.0.0.1:{port}"
    try:
        server.wait_healthy(f"{base}{api['startupProbe']['httpGet']['path']}")
        for probe in ("readinessProbe", "livenessProbe"):
            answer = httpx.get(f"{base}{api[probe]['httpGet']['path']}", timeout=api[probe]["timeoutSeconds"])
            assert answer.status_code == 200, probe
        metrics_path = api_workload["spec"]["template"]["metadata"]["annotations"]["prometheus.io/path"]
        assert httpx.get(f"{base}{metrics_path}").status_code == 200
    finally:
        started = time.monotonic()
        returncode = server.stop()
        stopped_in = time.monotonic() - started
    pause = int(api["lifecycle"]["preStop"]["exec"]["command"][1])
    assert returncode in (0, -15, 143), server.output()
    assert stopped_in < pod_spec(api_workload)["terminationGracePeriodSeconds"] - pause


def test_the_migrate_job_is_idempotent_within_a_release(postgres_database: Callable[[str], str]) -> None:
    # A second run of the Job (a retry after a lost pod, a re-created Job) changes nothing and succeeds.
    objects = _objects()
    (job,) = of_kind(objects, "Job")
    database_url = postgres_database("kubernetes_migrate_twice")
    for _ in range(2):
        result: subprocess.CompletedProcess[str] = run_to_completion(
            _as_service(objects, container(job, "migrate")), {"DATABASE_URL": database_url}
        )
        assert result.returncode == 0, result.stderr
