"""A room relays each message, prefixed with its sender's name, to the room's other users and no one else.

Real server processes over real sockets, on both backends (SQLite: the in-process fan-out; PostgreSQL:
LISTEN/NOTIFY even within one process).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest

from devtools.server import ServerProcess
from tests.utils.chat import join, nothing_arrives, receive

pytestmark = pytest.mark.slow

QUIET_S = 0.5


def room() -> str:
    return f"room-{uuid.uuid4().hex[:12]}"


async def test_each_client_receives_its_room_mates_message_only(chat_server: ServerProcess) -> None:
    base = chat_server.base_url
    first, second = room(), room()
    async with (
        join(base, first) as a1,
        join(base, first) as a2,
        join(base, second) as b1,
        join(base, second) as b2,
    ):
        for client, text in ((a1, "from a1"), (a2, "from a2"), (b1, "from b1"), (b2, "from b2")):
            await client.send(text)
        received = {
            name: await receive(client, 1)
            for name, client in (("a1", a1), ("a2", a2), ("b1", b1), ("b2", b2))
        }
        assert [frame.split(" :: ", 1)[1] for frame in received["a1"]] == ["from a2"]
        assert [frame.split(" :: ", 1)[1] for frame in received["a2"]] == ["from a1"]
        assert [frame.split(" :: ", 1)[1] for frame in received["b1"]] == ["from b2"]
        assert [frame.split(" :: ", 1)[1] for frame in received["b2"]] == ["from b1"]
        for client in (a1, a2, b1, b2):
            assert await nothing_arrives(client, QUIET_S)


async def test_a_message_arrives_as_sender_name_separator_text(chat_server: ServerProcess) -> None:
    name = room()
    async with join(chat_server.base_url, name) as sender, join(chat_server.base_url, name) as receiver:
        await sender.send("hello")
        [frame] = await receive(receiver, 1)
        username, separator, text = frame.partition(" :: ")
        assert (separator, text) == (" :: ", "hello")
        assert username.count("-") == 2 and username.split("-")[2].isdigit()


async def test_a_username_is_stable_for_a_connection_and_differs_between_clients(
    chat_server: ServerProcess,
) -> None:
    name = room()
    async with join(chat_server.base_url, name) as a, join(chat_server.base_url, name) as b:
        await a.send("one")
        await a.send("two")
        await b.send("three")
        a_names = {frame.split(" :: ")[0] for frame in await receive(b, 2)}
        [b_frame] = await receive(a, 1)
        assert len(a_names) == 1
        assert b_frame.split(" :: ")[0] not in a_names


async def test_usernames_are_unique_within_a_room(chat_server: ServerProcess) -> None:
    name = room()
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(join(chat_server.base_url, name, "announce=username"))
            for _ in range(30)
        ]
        names = [(await receive(client, 1))[0] for client in clients]
    assert len(set(names)) == len(names)


async def test_announce_makes_the_own_name_the_first_frame_and_the_stream_carries_nothing_else(
    chat_server: ServerProcess,
) -> None:
    name = room()
    async with (
        join(chat_server.base_url, name, "announce=username") as announced,
        join(chat_server.base_url, name) as other,
    ):
        [own_name] = await receive(announced, 1)
        await announced.send("hi")
        [frame] = await receive(other, 1)
        assert frame == f"{own_name} :: hi"
        assert await nothing_arrives(other, QUIET_S)


async def test_a_message_is_never_echoed_to_its_sender(chat_server: ServerProcess) -> None:
    name = room()
    async with join(chat_server.base_url, name) as alone:
        await alone.send("anyone?")
        assert await nothing_arrives(alone, QUIET_S)


async def test_a_thousand_messages_arrive_in_order_at_three_receivers(chat_server: ServerProcess) -> None:
    name = room()
    base = chat_server.base_url
    async with (
        join(base, name) as sender,
        join(base, name) as r1,
        join(base, name) as r2,
        join(base, name) as r3,
    ):
        sent = [f"message {n}" for n in range(1000)]
        for text in sent:
            await sender.send(text)
        for frames in await asyncio.gather(*(receive(r, len(sent)) for r in (r1, r2, r3))):
            assert [frame.split(" :: ", 1)[1] for frame in frames] == sent


async def test_unicode_survives(chat_server: ServerProcess) -> None:
    name = room()
    text = "Grüße, 世界! 👋🏽 עברית \u0000 \u200b e\u0301"
    async with join(chat_server.base_url, name) as sender, join(chat_server.base_url, name) as receiver:
        await sender.send(text)
        [frame] = await receive(receiver, 1)
        assert frame.split(" :: ", 1)[1] == text
