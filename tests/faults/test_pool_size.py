"""Each worker's pool grows with load up to DB_POOL_SIZE and shrinks back to DB_POOL_MIN_SIZE when idle;
a pool the server cannot admit whole is reported and keeps serving on what it has."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from devtools.postgres import PostgresCluster
from devtools.server import ServerProcess
from server.db import migrations
from server.db.postgres import APPLICATION_NAME

pytestmark = pytest.mark.slow

MAX_SIZE = 6
MIN_SIZE = 1


def _server_connections(url: str) -> int:
    """The request pool's connections (the chat keeps two more of its own)."""
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [APPLICATION_NAME],
        ).fetchone()
    assert row is not None
    return int(row[0])


def _shrunk_to(url: str, size: int, within_s: float) -> int:
    """The number of connections once it is down to `size`, or when within_s has passed."""
    deadline = time.monotonic() + within_s
    while (count := _server_connections(url)) > size and time.monotonic() < deadline:
        time.sleep(0.3)
    return count


async def test_the_pool_grows_to_its_maximum_and_shrinks_when_idle(cluster: PostgresCluster) -> None:
    url = cluster.url("service")
    env = {"DB_POOL_SIZE": str(MAX_SIZE), "DB_POOL_MIN_SIZE": str(MIN_SIZE), "DB_POOL_MAX_IDLE_S": "0.3"}
    with ServerProcess(url, env=env) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            burst = await asyncio.gather(
                *(client.post("/new", json=[{"text": "x"}] * 100) for _ in range(64))
            )
        assert {response.status_code for response in burst} == {201}
        peak = _server_connections(url)
        idle = await asyncio.to_thread(_shrunk_to, url, MIN_SIZE, 15.0)
    assert MIN_SIZE < peak <= MAX_SIZE
    assert idle == MIN_SIZE


async def test_a_pool_larger_than_the_server_allows_is_reported_and_keeps_serving(tmp_path: Path) -> None:
    settings = {"max_connections": "4", "superuser_reserved_connections": "0"}
    with PostgresCluster(settings) as small:
        url = small.create_database("service")
        migrations.upgrade(url)
        log = tmp_path / "server.log"
        with ServerProcess(url, env={"DB_POOL_SIZE": "8", "DB_POOL_MIN_SIZE": "1"}, log_path=log) as server:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
                batch = [{"text": "x" * 100}] * 500
                burst = await asyncio.gather(*(client.post("/new", json=batch) for _ in range(32)))
    assert {response.status_code for response in burst} == {201}
    # The server's own refusal, in the service's log format, names the cause.
    assert "too many clients" in log.read_text()
