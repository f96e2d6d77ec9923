"""The WebSocket endpoint /chat/{chat_name}: handshake checks, then one reader and one writer per client."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from server.chat import access
from server.chat.hub import ChatHub
from server.chat.limits import REASONS, CloseCode, RateLimit
from server.chat.names import ROOM_NAME_RULE, is_room_name, unique_username
from server.chat.notices import NOTICES_PARAMETER, NOTICES_SLOWED, Slowdown, slowed_notice
from server.chat.rooms import Member
from server.http.bearer import BearerTokens, Credentials
from server.http.responses import problem

logger = logging.getLogger(__name__)

PREFIX = "/chat/"
# `?announce=username` asks for the connection's own name as its first frame: the page shows it. Without it
# the stream carries room-mates' messages only.
ANNOUNCE_PARAMETER, ANNOUNCE_USERNAME = "announce", "username"
# A client that stopped reading may never take the close frame: the connection ends regardless.
CLOSE_TIMEOUT_S = 1.0


class ChatRoutes:
    """WebSocket connections go to the chat, everything else to the wrapped app (which serves HTTP only).

    With tokens, a connection without one of them is accepted, then closed with 4401 or 4403: a browser can
    read a close code, never the HTTP status of a refused handshake.
    """

    def __init__(self, app: ASGIApp, hub: ChatHub, tokens: BearerTokens | None = None) -> None:
        self.app = app
        self.hub = hub
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        websocket = WebSocket(scope, receive, send)
        path: str = scope["path"]
        if not path.startswith(PREFIX):
            await websocket.send_denial_response(problem(404, "WebSocket endpoints: /chat/{room}"))
            return
        subprotocol = access.subprotocol(scope)
        # Before the room name is read: a client without a token learns only that it needs one.
        if self.tokens is not None:
            credentials = access.credentials(self.tokens, scope)
            if credentials is not Credentials.VALID:
                await websocket.accept(subprotocol)
                missing = credentials is Credentials.MISSING
                await _close(websocket, CloseCode.TOKEN_MISSING if missing else CloseCode.TOKEN_REFUSED)
                return
        await serve(self.hub, websocket, path.removeprefix(PREFIX), subprotocol)


async def serve(hub: ChatHub, websocket: WebSocket, room: str, subprotocol: str | None) -> None:
    if not is_room_name(room):
        await websocket.send_denial_response(problem(400, ROOM_NAME_RULE))
        return
    username = await _claim_username(hub, room) if not hub.rooms.is_full(room) else None
    # The room's seats count its connections in every process (PostgreSQL), where the room's members
    # here count this process's only.
    seat = (
        None if username is None else await hub.fanout.claim_seat(room, hub.limits.max_connections_per_room)
    )
    if username is not None and seat is None:
        await hub.fanout.release_name(room, username)
    if username is None or seat is None:
        await websocket.accept(subprotocol)
        await _close(websocket, CloseCode.ROOM_FULL)
        return
    member = hub.rooms.join(room, username)
    if websocket.query_params.get(ANNOUNCE_PARAMETER) == ANNOUNCE_USERNAME:
        # Before any message can be queued: the name is the first frame.
        member.deliver(username)
    code: CloseCode | None = None
    try:
        # Inside the try: a client gone while its name was being claimed must not keep the name.
        await websocket.accept(subprotocol)
        code = await _relay(hub, websocket, member, _slowdown(hub, websocket, member))
    finally:
        hub.rooms.leave(member)
        await hub.fanout.release_name(room, username)
        await hub.fanout.release_seat(room, seat)
    if code is not None:
        await _close(websocket, code)


async def _claim_username(hub: ChatHub, room: str) -> str | None:
    """A name no connection of the room holds in any process, or None when the room filled meanwhile."""

    async def available(name: str) -> bool:
        if hub.rooms.has_member(room, name) or not await hub.fanout.claim_name(room, name):
            return False
        # Another connection of this process may have taken it while the claim was in flight.
        if hub.rooms.has_member(room, name):
            await hub.fanout.release_name(room, name)
            return False
        return True

    username = await unique_username(available)
    if hub.rooms.is_full(room):
        await hub.fanout.release_name(room, username)
        return None
    return username


def _slowdown(hub: ChatHub, websocket: WebSocket, member: Member) -> Slowdown:
    wants_notices = websocket.query_params.get(NOTICES_PARAMETER) == NOTICES_SLOWED
    limits = hub.limits
    notice = slowed_notice(limits.messages_per_second, limits.throttle_close_s) if wants_notices else None
    return Slowdown(member, notice)


async def _relay(hub: ChatHub, websocket: WebSocket, member: Member, slowdown: Slowdown) -> CloseCode | None:
    """Read and write until the client leaves (None) or breaks a limit (its close code)."""
    reader = asyncio.create_task(_read(hub, websocket, member, slowdown))
    writer = member.writer = asyncio.create_task(_write(websocket, member))
    try:
        await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        reader.cancel()
        writer.cancel()
    if reader.done() and not reader.cancelled() and reader.exception() is None:
        return reader.result()
    if writer.cancelled() or (writer.done() and writer.exception() is None):
        # Cancelled or ended by an overflowing send queue.
        return CloseCode.TOO_SLOW if member.outbox.overflowed else None
    return None


async def _read(hub: ChatHub, websocket: WebSocket, member: Member, slowdown: Slowdown) -> CloseCode | None:
    limits = hub.limits
    rate = RateLimit(limits.messages_per_second)
    loop = asyncio.get_running_loop()
    # Since when every message has had to wait for the rate, or None.
    throttled_since: float | None = None
    while True:
        if slowdown.active:
            message = await _receive_slowed(websocket, slowdown, rate)
        else:
            message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        text: str | None = message.get("text")
        if text is None:
            return CloseCode.UNSUPPORTED_DATA
        # A character is at most 4 bytes in UTF-8: most messages need no encoding to be measured.
        if len(text) * 4 > limits.max_message_bytes and len(text.encode()) > limits.max_message_bytes:
            return CloseCode.MESSAGE_TOO_BIG
        # A sender over the rate is slowed, not dropped: this loop reads its next frame only when the rate
        # allows, and the socket's flow control holds the rest back, so its messages arrive later, in order.
        delay = rate.take()
        if delay > 0:
            now = loop.time()
            throttled_since = now if throttled_since is None else throttled_since
            if now + delay - throttled_since >= limits.throttle_close_s:
                return CloseCode.TOO_MANY_MESSAGES
            slowdown.start()
            await asyncio.sleep(delay)
        else:
            throttled_since = None
            if slowdown.active and rate.caught_up_in() == 0:
                slowdown.end()
        hub.publish(member.room, member.username, text)
        hub.rooms.relayed()


async def _receive_slowed(websocket: WebSocket, slowdown: Slowdown, rate: RateLimit) -> Message:
    """The next frame of a slowed client, which is told it is slowed no more if it catches up meanwhile.

    A client still sending has its next frame waiting; one that stopped has caught up once the rate has
    refilled enough (RateLimit.caught_up_in).
    """
    receiving = asyncio.ensure_future(websocket.receive())
    try:
        done, _ = await asyncio.wait({receiving}, timeout=rate.caught_up_in())
        if not done:
            slowdown.end()
        return await receiving
    finally:
        # Only when the reader itself is cancelled: asyncio.wait leaves the frame's task running.
        receiving.cancel()


async def _write(websocket: WebSocket, member: Member) -> None:
    async for frame in member.outbox.frames():
        await websocket.send_text(frame)


async def _close(websocket: WebSocket, code: CloseCode) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.close(code, REASONS.get(code)), CLOSE_TIMEOUT_S)
