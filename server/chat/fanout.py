"""How a message reaches its room in every process: one small interface, and the in-process fan-out.

The hub publishes each message once; the fan-out hands it to `deliver` in every process that serves the
room (this one included), and keeps usernames unique across those processes. The embedded SQLite default
runs one process, so there the process is the whole world; PostgreSQL deployments use
server.chat.postgres.
"""

from __future__ import annotations

import abc
from collections.abc import Callable

# (room, sender's username, text, trace context): hands a message to this process's connections in the room.
# The trace context is server.chat.tracing's: the fan-out carries it without reading it ("" for none).
Deliver = Callable[[str, str, str, str], None]
# The longest trace context a message carries: letters, digits, `-` and `_` (server.chat.tracing).
TRACE_CONTEXT_LENGTH = 34


class Fanout(abc.ABC):
    @abc.abstractmethod
    async def start(self, deliver: Deliver) -> None:
        """Begin delivering: from now on every published message reaches `deliver` in each process."""

    @abc.abstractmethod
    async def stop(self) -> None: ...

    @abc.abstractmethod
    def publish(self, room: str, sender: str, text: str, trace_context: str = "") -> None:
        """Deliver to every process's room, this one at once; never waits on the network."""

    @abc.abstractmethod
    async def claim_name(self, room: str, username: str) -> bool:
        """Reserve a username in a room for this process; False when another process holds it."""

    @abc.abstractmethod
    async def release_name(self, room: str, username: str) -> None: ...

    @abc.abstractmethod
    async def claim_seat(self, room: str, seats: int) -> int | None:
        """One of the room's `seats` across every process, or None when all are taken."""

    @abc.abstractmethod
    async def release_seat(self, room: str, seat: int) -> None: ...


class InProcessFanout(Fanout):
    """One process serves every room: delivery is a function call and the room's own names are all."""

    def __init__(self) -> None:
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def stop(self) -> None:
        self._deliver = None

    def publish(self, room: str, sender: str, text: str, trace_context: str = "") -> None:
        if self._deliver is not None:
            self._deliver(room, sender, text, trace_context)

    async def claim_name(self, room: str, username: str) -> bool:
        return True

    async def release_name(self, room: str, username: str) -> None:
        pass

    async def claim_seat(self, room: str, seats: int) -> int | None:
        # The process's own count of the room's members (Rooms.is_full) is the whole count.
        return 0

    async def release_seat(self, room: str, seat: int) -> None:
        pass
