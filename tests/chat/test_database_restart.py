"""After PostgreSQL restarts, rooms span processes again without restarting the servers.

The fan-out's listening and publishing connections reconnect and listen again; what was sent while the
database was down may be lost (delivery is at most once), what is sent afterwards arrives.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection

from devtools.postgres import PostgresCluster, PostgresUnavailable
from devtools.server import ServerProcess
from server.db import migrations
from tests.utils.chat import ChatProcesses, join

pytestmark = pytest.mark.slow

RECOVERY_TIMEOUT_S = 30.0
PROBE_EVERY_S = 0.2


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[tuple[PostgresCluster, ChatProcesses]]:
    """A cluster of this test's own (restarting the shared one would disturb other tests), two servers."""
    try:
        cluster = PostgresCluster({"fsync": "off"}).start()
    except PostgresUnavailable as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI: {error}")
        pytest.skip(f"PostgreSQL unavailable: {error}")
    try:
        url = cluster.create_database("chat_restart")
        migrations.upgrade(url)
        with (
            ServerProcess(url, log_path=tmp_path / "first.log") as first,
            ServerProcess(url, log_path=tmp_path / "second.log") as second,
        ):
            yield cluster, ChatProcesses(first, second, url)
    finally:
        cluster.stop()


async def first_probe_through(sender: ClientConnection, receiver: ClientConnection) -> str:
    """Send numbered probes until one arrives; the text of the first that did."""

    async def keep_sending() -> None:
        for n in range(10**6):
            await sender.send(f"probe {n}")
            await asyncio.sleep(PROBE_EVERY_S)

    probing = asyncio.create_task(keep_sending())
    try:
        return str(await asyncio.wait_for(receiver.recv(), RECOVERY_TIMEOUT_S)).split(" :: ", 1)[1]
    finally:
        probing.cancel()


async def test_a_room_spans_processes_again_after_postgresql_restarts(
    restartable: tuple[PostgresCluster, ChatProcesses], tmp_path: Path
) -> None:
    cluster, (first, second, _) = restartable
    name = f"restart-{uuid.uuid4().hex[:12]}"
    async with join(first.base_url, name) as sender, join(second.base_url, name) as receiver:
        await sender.send("before")
        assert str(await asyncio.wait_for(receiver.recv(), 10)).endswith(" :: before")
        cluster.restart()
        await first_probe_through(sender, receiver)
        # Wait out the probes still in flight.
        while True:
            try:
                await asyncio.wait_for(receiver.recv(), 1.0)
            except TimeoutError:
                break
        await sender.send("after")
        assert str(await asyncio.wait_for(receiver.recv(), 10)).endswith(" :: after")
    # The servers did lose their connections, and recovered by themselves.
    assert "listening connection lost" in (tmp_path / "second.log").read_text()
