"""Fixtures for the deployment files: Compose's normalized model, system binaries, the system run locally."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.utils.compose import (
    GRAFANA_PASSWORD_VARIABLE,
    TEST_GRAFANA_PASSWORD,
    ComposeUnavailable,
    normalized_config,
)
from tests.utils.local_services import LocalSystem, run_to_completion, running_system
from tests.utils.system_packages import require_program


@pytest.fixture(scope="session")
def compose_config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """docker-compose.yml as Compose normalizes it, every variable at its default but the one without."""
    settings = tmp_path_factory.mktemp("compose") / "tests.env"
    settings.write_text(f"{GRAFANA_PASSWORD_VARIABLE}={TEST_GRAFANA_PASSWORD}\n")
    try:
        return normalized_config(settings)
    except ComposeUnavailable as error:
        pytest.fail(f"{error}: run `make install`")


@pytest.fixture(scope="session")
def services(compose_config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose_config["services"]
    return found


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    # gettext-base brings envsubst, which the nginx image's template step runs.
    require_program("envsubst", "gettext-base")
    return require_program("nginx", "nginx")


# Package scope: the four server processes and their 64 connections end with the deploy tests.
@pytest.fixture(scope="package")
def local_system(
    services: dict[str, dict[str, Any]],
    postgres_database: Callable[[str], str],
    nginx_binary: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LocalSystem]:
    """The compose services' own commands and environments as local processes.

    Only addresses change: DATABASE_URL points at a throwaway PostgreSQL, each API replica listens on a
    free local port, and the proxy's upstream servers are those ports.
    """
    run_dir = tmp_path_factory.mktemp("compose-system")
    database_url = postgres_database("compose_system")
    migrate = run_to_completion(services["migrate"], {"DATABASE_URL": database_url})
    if migrate.returncode != 0:
        pytest.fail(f"the migrate service's command failed:\n{migrate.stderr}")
    with running_system(services, database_url, nginx_binary, run_dir) as system:
        yield system
