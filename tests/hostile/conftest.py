"""A server with small request limits, so that tests reach them in milliseconds rather than megabytes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.server import ServerProcess

SMALL_BODY_LIMIT = 65_536
SHORT_BODY_READ_TIMEOUT_S = 1.0


@pytest.fixture(scope="session")
def _small_limits_server(
    migrated_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    env = {
        "VALIDATE_RESPONSES": "true",
        "MAX_BODY_BYTES": str(SMALL_BODY_LIMIT),
        "BODY_READ_TIMEOUT_S": str(SHORT_BODY_READ_TIMEOUT_S),
    }
    log = tmp_path_factory.mktemp("small-limits") / "server.log"
    with ServerProcess(migrated_url, env=env, log_path=log) as server:
        yield server


@pytest.fixture
def small_limits_server(_small_limits_server: ServerProcess, database_url: str) -> ServerProcess:
    """A live server on PostgreSQL whose body limit is 64 KiB and body read timeout 1 s."""
    return _small_limits_server
