"""WebSocket clients of the chat for the tests: connect, receive, and read how it closed."""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from devtools.chat import chat_url
from devtools.server import ServerProcess

RECEIVE_TIMEOUT_S = 10.0


class ChatProcesses(NamedTuple):
    """Server processes sharing one PostgreSQL database, and its URL."""

    first: ServerProcess
    second: ServerProcess
    database_url: str


def join(base_url: str, room: str, query: str = "", **options: Any) -> connect:
    """`async with join(...) as client`: a connection to the room, never through a proxy from the env."""
    return connect(chat_url(base_url, room, query), proxy=None, **options)


async def receive(client: ClientConnection, count: int, within_s: float = RECEIVE_TIMEOUT_S) -> list[str]:
    """The next `count` text frames, or TimeoutError."""

    async def frames() -> list[str]:
        return [str(await client.recv()) for _ in range(count)]

    return await asyncio.wait_for(frames(), within_s)


async def nothing_arrives(client: ClientConnection, seconds: float) -> bool:
    try:
        await asyncio.wait_for(client.recv(), seconds)
    except TimeoutError:
        return True
    return False


async def close_code(client: ClientConnection, within_s: float = RECEIVE_TIMEOUT_S) -> int | None:
    """How the server closed the connection: its close code (None without a close frame)."""

    async def drain() -> int | None:
        try:
            while True:
                await client.recv()
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    return await asyncio.wait_for(drain(), within_s)
