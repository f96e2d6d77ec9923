"""The chat's figures in GET /metrics: connections open now, and messages clients sent to their rooms."""

from __future__ import annotations

import asyncio
import time

import pytest

from devtools.server import ServerProcess
from tests.utils.chat import join, receive
from tests.utils.metrics import scrape, value

pytestmark = pytest.mark.slow


async def test_open_connections_and_relayed_messages_are_counted(metered_server: ServerProcess) -> None:
    before = value(scrape(metered_server.base_url), "chat_messages_relayed_total")
    async with (
        join(metered_server.base_url, "metered") as alice,
        join(metered_server.base_url, "metered") as bob,
    ):
        await alice.send("hello")
        await alice.send("again")
        await receive(bob, 2)
        during = scrape(metered_server.base_url)
    assert value(during, "chat_connections_open") == 2
    assert value(during, "chat_messages_relayed_total") - before == 2
    assert await _connections_open_soon(metered_server, expected=0)


async def _connections_open_soon(server: ServerProcess, expected: float, within_s: float = 2.0) -> bool:
    """The server sees a close a moment after the client sends it."""
    deadline = time.monotonic() + within_s
    while value(scrape(server.base_url), "chat_connections_open") != expected:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True
