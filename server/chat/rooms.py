"""The rooms of this process: who is connected where, and each connection's bounded send queue."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from typing import Protocol

logger = logging.getLogger(__name__)

SEPARATOR = " :: "


class ChatObserver(Protocol):
    """What metrics need to follow: connections opening and closing, messages relayed."""

    def connections_changed(self, open_now: int) -> None: ...

    def message_relayed(self) -> None: ...


class NoObserver:
    def connections_changed(self, open_now: int) -> None:
        pass

    def message_relayed(self) -> None:
        pass


class Outbox:
    """The frames waiting for one connection; overflowing it drops the connection, never the room."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._frames: deque[str] = deque()
        self._ready = asyncio.Event()
        self.overflowed = False

    def put(self, frame: str) -> bool:
        if len(self._frames) >= self._limit:
            self.overflowed = True
            self._frames.clear()
            self._ready.set()
            return False
        self._frames.append(frame)
        self._ready.set()
        return True

    async def frames(self) -> AsyncIterator[str]:
        """Frames in the order put, until the outbox overflows."""
        while True:
            await self._ready.wait()
            self._ready.clear()
            while self._frames:
                yield self._frames.popleft()
            if self.overflowed:
                return


class Member:
    """One connection in one room."""

    def __init__(self, room: str, username: str, queue_limit: int) -> None:
        self.room = room
        self.username = username
        self.outbox = Outbox(queue_limit)
        # Set by the endpoint: cancelled when the outbox overflows, so a send blocked on a client that does
        # not read ends at once instead of when TCP gives up.
        self.writer: asyncio.Task[None] | None = None

    def deliver(self, frame: str) -> bool:
        if self.outbox.put(frame):
            return True
        if self.writer is not None:
            self.writer.cancel()
        return False


class Rooms:
    """Every room with a connection in this process; a room disappears with its last connection."""

    def __init__(self, max_per_room: int, queue_limit: int, observer: ChatObserver) -> None:
        self._rooms: dict[str, dict[str, Member]] = {}
        self._max_per_room = max_per_room
        self._queue_limit = queue_limit
        self._observer = observer
        self.connections_open = 0
        # Messages sent by clients of this process and relayed to their room (counted once per message).
        self.messages_relayed = 0

    def is_full(self, room: str) -> bool:
        return len(self._rooms.get(room, ())) >= self._max_per_room

    def has_member(self, room: str, username: str) -> bool:
        return username in self._rooms.get(room, ())

    def join(self, room: str, username: str) -> Member:
        member = Member(room, username, self._queue_limit)
        self._rooms.setdefault(room, {})[username] = member
        self.connections_open += 1
        self._observer.connections_changed(self.connections_open)
        return member

    def leave(self, member: Member) -> None:
        members = self._rooms.get(member.room, {})
        if members.get(member.username) is member:
            del members[member.username]
            if not members:
                del self._rooms[member.room]
            self.connections_open -= 1
            self._observer.connections_changed(self.connections_open)

    def relayed(self) -> None:
        self.messages_relayed += 1
        self._observer.message_relayed()

    def recipients(self, room: str, sender: str) -> int:
        """How many connections of this process a message of `sender` to `room` is for."""
        members = self._rooms.get(room, {})
        return len(members) - (sender in members)

    def deliver(self, room: str, sender: str, text: str) -> None:
        """`sender :: text` to every member of the room but the sender; a member that lags is dropped."""
        members = self._rooms.get(room)
        if not members:
            return
        frame = f"{sender}{SEPARATOR}{text}"
        lagging = [member for name, member in members.items() if name != sender and not member.deliver(frame)]
        for member in lagging:
            logger.info("dropped %s from room %s: its send queue overflowed", member.username, room)
            self.leave(member)
