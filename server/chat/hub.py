"""The chat of one process: its rooms, the fan-out to the other processes, the limits, and their lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from opentelemetry.trace import TracerProvider

from server.chat.fanout import Fanout, InProcessFanout
from server.chat.postgres import PostgresFanout
from server.chat.rooms import ChatObserver, NoObserver, Rooms
from server.chat.tracing import ChatTracing
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
    def __init__(
        self,
        limits: ChatLimits,
        fanout: Fanout,
        observer: ChatObserver | None = None,
        tracing: ChatTracing | None = None,
    ) -> None:
        self.limits = limits
        self.fanout = fanout
        self.rooms = Rooms(limits.max_connections_per_room, limits.send_queue, observer or NoObserver())
        self._tracing = tracing

    @asynccontextmanager
    async def running(self) -> AsyncIterator[ChatHub]:
        await self.fanout.start(self._deliver if self._tracing is None else self._deliver_traced)
        try:
            yield self
        finally:
            await self.fanout.stop()

    def publish(self, room: str, sender: str, text: str) -> None:
        """A client's message to its room in every process; traced, it carries its producer span's context."""
        if self._tracing is None:
            self.fanout.publish(room, sender, text)
            return
        with self._tracing.sending(room) as trace_context:
            self.fanout.publish(room, sender, text, trace_context)

    def _deliver(self, room: str, sender: str, text: str, _trace_context: str) -> None:
        self.rooms.deliver(room, sender, text)

    def _deliver_traced(self, room: str, sender: str, text: str, trace_context: str) -> None:
        assert self._tracing is not None
        # Every process receives every room's messages: one without recipients here has no span to show.
        recipients = self.rooms.recipients(room, sender)
        if recipients == 0:
            return
        with self._tracing.processing(room, trace_context, recipients):
            self.rooms.deliver(room, sender, text)


def create_hub(
    settings: Settings, observer: ChatObserver | None = None, tracer_provider: TracerProvider | None = None
) -> ChatHub:
    """The in-process fan-out on SQLite (one process), LISTEN/NOTIFY on PostgreSQL (any number); traced with
    `tracer_provider` when given."""
    limits = ChatLimits(
        max_message_bytes=settings.chat_max_message_bytes,
        messages_per_second=settings.chat_messages_per_second,
        throttle_close_s=settings.chat_throttle_close_s,
        max_connections_per_room=settings.chat_max_connections_per_room,
        send_queue=settings.chat_send_queue,
    )
    database = database_target(settings.database_url)
    fanout: Fanout = InProcessFanout()
    # messaging.system: none of the conventions' well-known values fits, so the medium the message crosses.
    messaging_system = "in_process"
    if database.backend == "postgresql":
        fanout = PostgresFanout(database.conninfo)
        messaging_system = "postgresql"
    tracing = ChatTracing(tracer_provider, messaging_system) if tracer_provider is not None else None
    return ChatHub(limits, fanout, observer, tracing)
