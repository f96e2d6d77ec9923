"""A server process of its own for the metrics tests, its metrics directory where the tests can see it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.server import ServerProcess


@pytest.fixture(scope="module")
def metrics_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("metrics")


@pytest.fixture(scope="module")
def metered_server(migrated_url: str, metrics_directory: Path) -> Iterator[ServerProcess]:
    """`python -m server` with one worker; tests compare scrapes before and after what they do."""
    with ServerProcess(
        migrated_url, env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_directory), "DB_POOL_SIZE": "4"}
    ) as server:
        yield server
