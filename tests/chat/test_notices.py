"""A sender slowed by the rate limit is told so once, and told again once it has caught up, if it asked.

Only a client that connects with `?notices=slowed` receives notices (openapi/asyncapi.yaml): others read
every frame as a room-mate's message. The burst server reads 50 messages a second after a first 50.
"""

from __future__ import annotations

import json
import uuid

import pytest

from devtools.server import ServerProcess
from tests.utils.chat import join, nothing_arrives, receive

pytestmark = pytest.mark.slow

NOTICES = "notices=slowed"
# 200 messages at 50 a second, after a burst of 50: about 3 s slowed.
BURST = [f"burst {n}" for n in range(200)]
BURST_WITHIN_S = 30.0
# Twice the half second a sender that stopped sending waits for its resumed notice.
QUIET_S = 1.0


def room() -> str:
    return f"notices-{uuid.uuid4().hex[:12]}"


async def test_a_burst_over_the_rate_brings_one_slowed_then_one_resumed_notice_and_every_message_in_order(
    burst_server: ServerProcess,
) -> None:
    name = room()
    async with (
        join(burst_server.base_url, name, NOTICES) as sender,
        join(burst_server.base_url, name) as receiver,
    ):
        for text in BURST:
            await sender.send(text)
        frames = await receive(receiver, len(BURST), within_s=BURST_WITHIN_S)
        notices = [json.loads(frame) for frame in await receive(sender, 2, within_s=BURST_WITHIN_S)]
        assert notices == [
            {"type": "slowed", "messages_per_second": 50.0, "close_after_s": 60.0},
            {"type": "resumed"},
        ]
        assert [frame.split(" :: ", 1)[1] for frame in frames] == BURST
        assert await nothing_arrives(sender, QUIET_S)


async def test_the_resumed_notice_comes_after_the_last_held_back_message_is_relayed(
    burst_server: ServerProcess,
) -> None:
    name = room()
    async with (
        join(burst_server.base_url, name, NOTICES) as sender,
        join(burst_server.base_url, name) as receiver,
    ):
        for text in BURST:
            await sender.send(text)
        [slowed] = await receive(sender, 1)
        assert json.loads(slowed)["type"] == "slowed"
        await receive(receiver, len(BURST), within_s=BURST_WITHIN_S)
        [resumed] = await receive(sender, 1)
        assert json.loads(resumed) == {"type": "resumed"}


async def test_a_sender_within_the_rate_is_never_told_it_is_slowed(burst_server: ServerProcess) -> None:
    name = room()
    async with (
        join(burst_server.base_url, name, NOTICES) as sender,
        join(burst_server.base_url, name) as receiver,
    ):
        for n in range(20):
            await sender.send(f"calm {n}")
        await receive(receiver, 20)
        assert await nothing_arrives(sender, QUIET_S)


async def test_a_sender_that_did_not_ask_for_notices_receives_none(burst_server: ServerProcess) -> None:
    name = room()
    async with join(burst_server.base_url, name) as sender, join(burst_server.base_url, name) as receiver:
        for text in BURST:
            await sender.send(text)
        await receive(receiver, len(BURST), within_s=BURST_WITHIN_S)
        assert await nothing_arrives(sender, QUIET_S)
