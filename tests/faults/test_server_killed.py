"""The server killed with SIGKILL mid-load and started again: every acknowledged record is stored, no batch
is stored in half, and no record twice."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter

import httpx
import psycopg
import pytest

from devtools.postgres import PostgresCluster
from devtools.server import ServerProcess
from tests.utils.load import BatchLoad

pytestmark = pytest.mark.slow


async def test_kill_9_mid_load_keeps_every_acknowledged_batch_whole(cluster: PostgresCluster) -> None:
    url = cluster.url("service")
    load, stop = BatchLoad("", clients=8, batch_size=50), asyncio.Event()
    server = ServerProcess(url).start()
    load.base_url = server.base_url
    running = asyncio.create_task(load.run(stop))
    await asyncio.sleep(1.5)
    server.stop(signal.SIGKILL)
    stop.set()
    await running
    with ServerProcess(url, port=server.port) as restarted:
        async with httpx.AsyncClient(base_url=restarted.base_url) as client:
            assert (await client.get("/10")).status_code == 200
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT uuid::text, text FROM records").fetchall()
    stored = Counter(uuid for uuid, _ in rows)
    assert len(load.acknowledged) > 10, "the load never got going"
    assert load.acknowledged_uuids() <= set(stored)
    assert max(stored.values()) == 1
    for batch in load.sent:
        present = [record["uuid"] in stored for record in batch]
        assert all(present) or not any(present), "half a batch was stored"
