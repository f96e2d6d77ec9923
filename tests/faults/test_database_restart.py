"""PostgreSQL stopped and restarted: clients see 503s while it is away, the first request after is served,
and nothing acknowledged is lost."""

from __future__ import annotations

import asyncio

import httpx
import psycopg
import pytest

from devtools.postgres import PostgresCluster
from devtools.server import ServerProcess
from tests.utils.load import BatchLoad
from tests.utils.problems import assert_problem

pytestmark = pytest.mark.slow

POOL_SIZE = 8


def _stored(url: str) -> dict[str, str]:
    with psycopg.connect(url) as connection:
        return {str(uuid): text for uuid, text in connection.execute("SELECT uuid, text FROM records")}


async def test_restart_under_load_loses_nothing_acknowledged_and_serves_the_first_request_after(
    cluster: PostgresCluster,
) -> None:
    url = cluster.url("service")
    with ServerProcess(url, env={"DB_POOL_SIZE": str(POOL_SIZE)}) as server:
        load, stop = BatchLoad(server.base_url), asyncio.Event()
        running = asyncio.create_task(load.run(stop))
        await asyncio.sleep(1.0)
        await asyncio.to_thread(cluster.stop_server)
        await asyncio.sleep(1.0)
        await asyncio.to_thread(cluster.start_server)
        async with httpx.AsyncClient(timeout=10) as client:
            first = await client.get(f"{server.base_url}/10")
        await asyncio.sleep(1.0)
        stop.set()
        await running
    assert first.status_code == 200, first.text
    assert load.acknowledged, "no batch was acknowledged"
    # While the database was away every refusal was a documented 503, none a hang or a 500.
    assert set(load.failures) <= {503}, load.failures
    for response in load.problems:
        assert_problem(response, 503)
        assert response.headers["retry-after"] == "1"
    stored = _stored(url)
    assert load.acknowledged_uuids() <= set(stored)
    for batch in load.sent:
        present = [record["uuid"] in stored for record in batch]
        assert all(present) or not any(present), "half a batch was stored"


async def test_the_first_request_after_an_idle_restart_is_served(cluster: PostgresCluster) -> None:
    env = {"DB_POOL_SIZE": str(POOL_SIZE), "DB_POOL_MIN_SIZE": str(POOL_SIZE)}
    with ServerProcess(cluster.url("service"), env=env) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            # Every pooled connection is opened and used once before the restart.
            warm = await asyncio.gather(*(client.get("/10") for _ in range(4 * POOL_SIZE)))
            assert {response.status_code for response in warm} == {200}
            await asyncio.to_thread(cluster.stop_server)
            await asyncio.to_thread(cluster.start_server)
            # One at a time, as many as the pool holds: each would have met a dead connection.
            after = [(await client.get("/10")).status_code for _ in range(POOL_SIZE + 1)]
    assert after == [200] * (POOL_SIZE + 1)


async def test_readyz_answers_503_with_retry_after_while_the_database_is_stopped(
    cluster: PostgresCluster,
) -> None:
    with ServerProcess(cluster.url("service")) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
            await asyncio.to_thread(cluster.stop_server)
            response = await client.get("/readyz")
            await asyncio.to_thread(cluster.start_server)
            recovered = await client.get("/readyz")
    assert_problem(response, 503)
    assert response.headers["retry-after"] == "1"
    assert recovered.status_code == 200
