"""The chat of one process: its rooms, the fan-out to the other processes, the limits, and their lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from server.chat.fanout import Fanout, InProcessFanout
from server.chat.postgres import PostgresFanout
from server.chat.rooms import ChatObserver, NoObserver, Rooms
from server.config.database_url import database_target
from server.config.settings import Settings


@dataclass(frozen=True)
class ChatLimits:
    max_message_bytes: int
    messages_per_second: float
    throttle_close_s: float
    max_connections_per_room: int
    send_queue: int


class ChatHub:
    def __init__(self, limits: ChatLimits, fanout: Fanout, observer: ChatObserver | None = None) -> None:
        self.limits = limits
        self.fanout = fanout
        self.rooms = Rooms(limits.max_connections_per_room, limits.send_queue, observer or NoObserver())

    @asynccontextmanager
    async def running(self) -> AsyncIterator[ChatHub]:
        await self.fanout.start(self.rooms.deliver)
        try:
            yield self
        finally:
            await self.fanout.stop()


def create_hub(settings: Settings, observer: ChatObserver | None = None) -> ChatHub:
    """The in-process fan-out on SQLite (one process), LISTEN/NOTIFY on PostgreSQL (any number)."""
    limits = ChatLimits(
        max_message_bytes=settings.chat_max_message_bytes,
        messages_per_second=settings.chat_messages_per_second,
        throttle_close_s=settings.chat_throttle_close_s,
        max_connections_per_room=settings.chat_max_connections_per_room,
        send_queue=settings.chat_send_queue,
    )
    database = database_target(settings.database_url)
    fanout: Fanout = InProcessFanout()
    if database.backend == "postgresql":
        fanout = PostgresFanout(database.conninfo)
    return ChatHub(limits, fanout, observer)
