"""On PostgreSQL a room spans server processes: LISTEN/NOTIFY carries each message once per process.

Two `python -m server` processes on one database, as two replicas behind a proxy (or two uvicorn workers)
would be; clients connect to one or the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import psycopg
import pytest

from server.chat.postgres import ADVISORY_NAMESPACE, CHANNEL, name_key
from tests.utils.chat import ChatProcesses, close_code, join, nothing_arrives, receive

pytestmark = pytest.mark.slow

QUIET_S = 0.5


def room() -> str:
    return f"across-{uuid.uuid4().hex[:12]}"


async def test_clients_of_different_processes_chat_in_one_room(
    chat_processes: ChatProcesses,
) -> None:
    first, second, _ = chat_processes
    name = room()
    async with (
        join(first.base_url, name) as a,
        join(second.base_url, name) as b,
        join(second.base_url, name) as c,
        join(first.base_url, room()) as elsewhere,
    ):
        await a.send("from the first process")
        assert [f.split(" :: ", 1)[1] for f in await receive(b, 1)] == ["from the first process"]
        assert [f.split(" :: ", 1)[1] for f in await receive(c, 1)] == ["from the first process"]
        await b.send("from the second process")
        assert [f.split(" :: ", 1)[1] for f in await receive(a, 1)] == ["from the second process"]
        assert [f.split(" :: ", 1)[1] for f in await receive(c, 1)] == ["from the second process"]
        for client in (a, b, c, elsewhere):
            assert await nothing_arrives(client, QUIET_S)


async def test_a_message_crosses_to_other_processes_once_not_once_per_client(
    chat_processes: ChatProcesses,
) -> None:
    first, second, url = chat_processes
    name = room()
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as watcher:
        await watcher.execute(f"LISTEN {CHANNEL}")
        async with (
            join(first.base_url, name) as sender,
            join(second.base_url, name) as r1,
            join(second.base_url, name) as r2,
            join(second.base_url, name) as r3,
        ):
            await sender.send("once")
            for receiver in (r1, r2, r3):
                await receive(receiver, 1)
            notifications = [n async for n in watcher.notifies(timeout=QUIET_S) if f" {name} " in n.payload]
    assert len(notifications) == 1


async def test_a_thousand_messages_arrive_in_order_in_another_process(
    chat_processes: ChatProcesses,
) -> None:
    first, second, _ = chat_processes
    name = room()
    async with (
        join(first.base_url, name) as sender,
        join(second.base_url, name) as r1,
        join(second.base_url, name) as r2,
        join(first.base_url, name) as r3,
    ):
        sent = [f"message {n}" for n in range(1000)]
        for text in sent:
            await sender.send(text)
        for frames in await asyncio.gather(*(receive(r, len(sent)) for r in (r1, r2, r3))):
            assert [frame.split(" :: ", 1)[1] for frame in frames] == sent


async def test_a_username_held_in_one_process_cannot_be_claimed_in_another(
    chat_processes: ChatProcesses,
) -> None:
    first, _, url = chat_processes
    name = room()
    claim = "SELECT pg_try_advisory_lock(%s, %s)"
    async with (
        join(first.base_url, name, "announce=username") as client,
        await psycopg.AsyncConnection.connect(url, autocommit=True) as other_process,
    ):
        [username] = await receive(client, 1)
        held = await (
            await other_process.execute(claim, (ADVISORY_NAMESPACE, name_key(name, username)))
        ).fetchone()
        assert held == (False,)
    # Released as the connection closes.
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as other_process:
        for _ in range(50):
            free = await (
                await other_process.execute(claim, (ADVISORY_NAMESPACE, name_key(name, username)))
            ).fetchone()
            if free == (True,):
                break
            await asyncio.sleep(0.1)
        assert free == (True,)


async def test_a_foreign_notification_on_the_channel_is_ignored(chat_processes: ChatProcesses) -> None:
    first, second, url = chat_processes
    name = room()
    async with join(first.base_url, name) as sender, join(second.base_url, name) as receiver:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as intruder:
            for payload in ("garbage", f"x 1 {name} someone !!not-base64!!", f"x 1 {name} someone //79"):
                await intruder.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
        await sender.send("still here")
        assert [f.split(" :: ", 1)[1] for f in await receive(receiver, 1)] == ["still here"]


async def test_the_room_limit_counts_connections_in_every_process(
    small_room_processes: ChatProcesses,
) -> None:
    first, second = small_room_processes.first.base_url, small_room_processes.second.base_url
    name = f"small-{uuid.uuid4().hex[:8]}"
    async with contextlib.AsyncExitStack() as stack:
        admitted = [await stack.enter_async_context(join(url, name)) for url in (first, second, first)]
        refused = [await stack.enter_async_context(join(url, name)) for url in (second, first)]
        assert [await close_code(client, within_s=5) for client in refused] == [4001, 4001]
        await admitted[0].send("three of us")
        for client in admitted[1:]:
            [frame] = await receive(client, 1)
            assert frame.endswith(" :: three of us")
        # A seat given back in one process is free in the other.
        await admitted[1].close()
        await asyncio.sleep(0.5)
        newcomer = await stack.enter_async_context(join(first, name))
        await admitted[0].send("welcome")
        [frame] = await receive(newcomer, 1)
        assert frame.endswith(" :: welcome")
