"""The PostgreSQL fan-out: LISTEN/NOTIFY on one channel, one listening connection per process.

A message crosses to the other processes once per process: it is published with one NOTIFY, every
process's listener receives it once and hands it to its own connections in the room. Delivery is at most
once: while the database is unreachable each process's rooms keep working among its own connections, and
messages to or from other processes are dropped, not queued; the listener reconnects with capped backoff
and listens again, and later messages cross again. Usernames are claimed across processes with session
advisory locks held by the publishing connection, claimed again after it reconnects.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import itertools
import logging
import secrets
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

import psycopg
from psycopg.conninfo import make_conninfo

from server.chat.fanout import TRACE_CONTEXT_LENGTH, Deliver, Fanout
from server.chat.names import MAX_ROOM_NAME_LENGTH, MAX_USERNAME_LENGTH

logger = logging.getLogger(__name__)

Connection = psycopg.AsyncConnection[Any]

CHANNEL = "chat"
# NOTIFY refuses a payload of 8000 bytes or more.
MAX_PAYLOAD_BYTES = 7999
ORIGIN_HEX_DIGITS = 12
MAX_SEQUENCE_DIGITS = 20
# The payload is `origin sequence room sender base64(text)`: every field but the text is ASCII without
# spaces, and base64 keeps any text (NUL included, which PostgreSQL text refuses) to 4/3 of its UTF-8 size.
# With tracing on, the sequence is followed by `.` and the trace context (server.chat.tracing), which the
# release before it never read: it drops the sequence (which only keeps NOTIFY from merging equal payloads
# of one batch), so both releases read each other's payloads during a rolling update. Without tracing the
# payload is the same as before, byte for byte.
CONTEXT_SEPARATOR = "."
PAYLOAD_OVERHEAD = (
    ORIGIN_HEX_DIGITS
    + MAX_SEQUENCE_DIGITS
    + len(CONTEXT_SEPARATOR)
    + TRACE_CONTEXT_LENGTH
    + MAX_ROOM_NAME_LENGTH
    + MAX_USERNAME_LENGTH
    + 4
)
# 5,877 bytes; 5,904 before the trace context took its 35 bytes of payload (27 of text).
MAX_TEXT_BYTES = (MAX_PAYLOAD_BYTES - PAYLOAD_OVERHEAD) // 4 * 3
# One statement publishes everything waiting, up to this many: one round trip carries a burst.
PUBLISH_BATCH = 200
# Messages waiting for the publishing connection; beyond this (a stalled database) they are dropped.
PUBLISH_QUEUE_LIMIT = 10_000
# Start-up waits this long for both connections, so that a server answering /healthz is already
# listening; a database still down then does not hold the server back (delivery is at most once anyway).
STARTUP_WAIT_S = 5.0
# A database host that vanishes without closing its connections (a network partition rather than a
# restart) is noticed within 5 + 3 x 2 seconds instead of the kernel's two hours.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3}
# How the chat's connections show in pg_stat_activity, apart from the request pool's.
APPLICATION_NAME = "records-shop-chat"
RECONNECT_MIN_S = 0.1
RECONNECT_MAX_S = 2.0
# Usernames are advisory locks (namespace, hash of room and name): a hash collision only makes a free
# name look taken, and another is drawn.
ADVISORY_NAMESPACE = 0x636861  # "cha"

PUBLISH = f"SELECT pg_notify('{CHANNEL}', payload) FROM unnest(%s::text[]) AS payload"
CLAIM = "SELECT pg_try_advisory_lock(%s, %s)"
RELEASE = "SELECT pg_advisory_unlock(%s, %s)"
# A room's CHAT_MAX_CONNECTIONS_PER_ROOM seats are advisory locks too (namespace, hash of room and seat),
# held by the publishing connection of the process whose client sits in one, so that every process counts
# the same room. The first free seat in one round trip: the executor stops at LIMIT 1, so only the seat it
# returns is locked. A session may take an advisory lock it holds again, so the seats this process holds
# are left out first (OFFSET 0 keeps the planner from moving the lock call ahead of that filter).
SEAT_NAMESPACE = 0x736561  # "sea"
CLAIM_SEAT = (
    "SELECT seat FROM (SELECT seat FROM generate_series(0, %(seats)s - 1) AS seat "
    "WHERE seat <> ALL(%(held)s::int[]) OFFSET 0) AS free "
    f"WHERE pg_try_advisory_lock({SEAT_NAMESPACE}, hashtext(%(room)s || '/' || seat)) LIMIT 1"
)
# A seat taken while the database was away: not a lock, and not given back.
UNCOUNTED_SEAT = -1
RECLAIM_SEAT = f"SELECT pg_try_advisory_lock({SEAT_NAMESPACE}, hashtext(%(room)s || '/' || %(seat)s))"
RELEASE_SEAT = f"SELECT pg_advisory_unlock({SEAT_NAMESPACE}, hashtext(%(room)s || '/' || %(seat)s))"


class Notified(NamedTuple):
    origin: str
    room: str
    sender: str
    text: str
    # "" in a payload of an untraced server or of the release before the context existed.
    trace_context: str


def encode_payload(origin: str, sequence: int, room: str, sender: str, text: str, trace_context: str) -> str:
    message_id = f"{sequence}{CONTEXT_SEPARATOR}{trace_context}" if trace_context else str(sequence)
    return f"{origin} {message_id} {room} {sender} {base64.b64encode(text.encode()).decode()}"


def decode_payload(payload: str) -> Notified:
    """The message in a payload of this release or the one before; ValueError for anything else."""
    origin, message_id, room, sender, encoded = payload.split(" ", 4)
    _sequence, _, trace_context = message_id.partition(CONTEXT_SEPARATOR)
    return Notified(origin, room, sender, base64.b64decode(encoded, validate=True).decode(), trace_context)


def name_key(room: str, username: str) -> int:
    digest = hashlib.blake2b(f"{room}/{username}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresFanout(Fanout):
    def __init__(self, conninfo: str) -> None:
        self._conninfo = make_conninfo(conninfo, application_name=APPLICATION_NAME, **KEEPALIVES)
        self._origin = secrets.token_hex(ORIGIN_HEX_DIGITS // 2)
        self._own_payloads = f"{self._origin} "
        self._sequence = itertools.count()
        self._pending: deque[str] = deque()
        self._wake = asyncio.Event()
        self._publisher: Connection | None = None
        self._claims: set[tuple[str, str]] = set()
        # The seats this process's clients hold, claimed again when the publishing connection is back.
        self._seats: set[tuple[str, int]] = set()
        self._deliver: Deliver | None = None
        self._tasks: list[asyncio.Task[None]] = []
        # Set while the listener is listening: tests and readiness can wait for it.
        self.listening = asyncio.Event()
        self._publishing = asyncio.Event()
        self.dropped = 0

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver
        self._tasks = [
            asyncio.create_task(self._connected("listening", self._listen), name="chat-listen"),
            asyncio.create_task(self._connected("publishing", self._publish), name="chat-publish"),
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(self.listening.wait(), self._publishing.wait()), STARTUP_WAIT_S
            )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def publish(self, room: str, sender: str, text: str, trace_context: str = "") -> None:
        assert self._deliver is not None
        self._deliver(room, sender, text, trace_context)
        if self._publisher is None or len(self._pending) >= PUBLISH_QUEUE_LIMIT:
            self.dropped += 1
            return
        self._pending.append(
            encode_payload(self._origin, next(self._sequence), room, sender, text, trace_context)
        )
        self._wake.set()

    async def claim_name(self, room: str, username: str) -> bool:
        connection = self._publisher
        if connection is not None:
            try:
                cursor = await connection.execute(CLAIM, (ADVISORY_NAMESPACE, name_key(room, username)))
                row = await cursor.fetchone()
            except psycopg.Error as error:
                logger.warning("chat: cannot claim a username (%s); unique in this process only", error)
            else:
                if row is None or not row[0]:
                    return False
        # Without the database a name is unique in this process, and claimed once it is back.
        self._claims.add((room, username))
        return True

    async def release_name(self, room: str, username: str) -> None:
        self._claims.discard((room, username))
        connection = self._publisher
        if connection is not None:
            with contextlib.suppress(psycopg.Error):
                await connection.execute(RELEASE, (ADVISORY_NAMESPACE, name_key(room, username)))

    async def claim_seat(self, room: str, seats: int) -> int | None:
        connection = self._publisher
        if connection is None:
            # Without the database the room is counted in this process only (Rooms.is_full).
            return UNCOUNTED_SEAT
        held = [seat for seat_room, seat in self._seats if seat_room == room]
        try:
            cursor = await connection.execute(CLAIM_SEAT, {"room": room, "seats": seats, "held": held})
            row = await cursor.fetchone()
        except psycopg.Error as error:
            logger.warning("chat: cannot claim a seat (%s); the room is counted in this process only", error)
            return UNCOUNTED_SEAT
        if row is None:
            return None
        self._seats.add((room, int(row[0])))
        return int(row[0])

    async def release_seat(self, room: str, seat: int) -> None:
        if seat == UNCOUNTED_SEAT:
            return
        self._seats.discard((room, seat))
        connection = self._publisher
        if connection is not None:
            with contextlib.suppress(psycopg.Error):
                await connection.execute(RELEASE_SEAT, {"room": room, "seat": seat})

    def _receive(self, payload: str) -> None:
        # This process's own messages were delivered here as they were published: not even decoded again.
        if payload.startswith(self._own_payloads) or self._deliver is None:
            return
        try:
            message = decode_payload(payload)
        except ValueError:
            # Anyone with access to the database can NOTIFY this channel: what we did not write is dropped.
            logger.warning("chat: ignored a notification that is not a chat message: %.80r", payload)
            return
        self._deliver(message.room, message.sender, message.text, message.trace_context)

    async def _listen(self, connection: Connection) -> None:
        await connection.execute(f"LISTEN {CHANNEL}")
        self.listening.set()
        try:
            async for notify in connection.notifies():
                self._receive(notify.payload)
        finally:
            self.listening.clear()

    async def _publish(self, connection: Connection) -> None:
        for room, username in list(self._claims):
            await connection.execute(CLAIM, (ADVISORY_NAMESPACE, name_key(room, username)))
        for room, seat in list(self._seats):
            await connection.execute(RECLAIM_SEAT, {"room": room, "seat": seat})
        self._publisher = connection
        self._publishing.set()
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._pending:
                    batch = [self._pending.popleft() for _ in range(min(PUBLISH_BATCH, len(self._pending)))]
                    await connection.execute(PUBLISH, (batch,))
        finally:
            self._publisher = None
            self._publishing.clear()
            self.dropped += len(self._pending)
            self._pending.clear()

    async def _connected(self, role: str, use: Callable[[Connection], Awaitable[None]]) -> None:
        """Run `use` on an autocommit connection, on a new one with capped backoff whenever it fails."""
        delay = RECONNECT_MIN_S
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True) as conn:
                    if delay > RECONNECT_MIN_S:
                        logger.warning("chat: %s connection to the database is back", role)
                    delay = RECONNECT_MIN_S
                    await use(conn)
            except (psycopg.Error, OSError) as error:
                if delay == RECONNECT_MIN_S:
                    logger.warning("chat: %s connection lost (%s); reconnecting", role, error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_S)
