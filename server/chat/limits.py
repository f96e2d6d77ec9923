"""What a chat connection may do, and the WebSocket close code that ends one that goes further."""

from __future__ import annotations

import time
from enum import IntEnum


class CloseCode(IntEnum):
    """Close codes the chat sends; openapi/asyncapi.yaml documents each with its reason."""

    SERVICE_RESTART = 1012  # sent by uvicorn when the server shuts down
    UNSUPPORTED_DATA = 1003  # a binary frame: messages are text
    MESSAGE_TOO_BIG = 1009  # a message over CHAT_MAX_MESSAGE_BYTES
    ROOM_FULL = 4001  # the room holds CHAT_MAX_CONNECTIONS_PER_ROOM connections, across processes
    TOO_MANY_MESSAGES = 4002  # slowed to CHAT_MESSAGES_PER_SECOND for CHAT_THROTTLE_CLOSE_S on end
    TOO_SLOW = 4003  # the client read too slowly: CHAT_SEND_QUEUE messages waited for it
    # On a server with tokens; numbered after HTTP's 401 and 403, as other WebSocket protocols do.
    TOKEN_MISSING = 4401  # no token in the handshake
    TOKEN_REFUSED = 4403  # a token the server was not given


class RateLimit:
    """A token bucket: `per_second` messages sustained, bursts up to one second's worth (at least one).

    A message over the rate is not refused: it waits for its token. The bucket goes into debt for it, so
    that messages that arrive faster than the rate are spaced out at the rate, in order.
    """

    def __init__(self, per_second: float) -> None:
        self._rate = per_second
        self._burst = max(1.0, per_second)
        self._tokens = self._burst
        self._last = time.monotonic()
        # A sender slowed by the bucket has caught up once half a burst is back, not one token: the event
        # loop of a loaded process can stall for longer than a token's interval between two frames already
        # waiting, which one token would read as catching up (the notices flapped so in the tests, on two
        # busy cores); half a burst needs a stall of half a second.
        self._caught_up = self._burst / 2

    def take(self) -> float:
        """Spend a token: 0 when one was there, else the seconds until it is (the caller waits them)."""
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate) - 1
        self._last = now
        return 0.0 if self._tokens >= 0 else -self._tokens / self._rate

    def caught_up_in(self) -> float:
        """Seconds until a slowed sender that sends nothing more has caught up (0: it has)."""
        tokens = min(self._burst, self._tokens + (time.monotonic() - self._last) * self._rate)
        return max(0.0, (self._caught_up - tokens) / self._rate)


REASONS = {
    CloseCode.UNSUPPORTED_DATA: "binary frames are not accepted: send text",
    CloseCode.MESSAGE_TOO_BIG: "message too big",
    CloseCode.ROOM_FULL: "room full",
    CloseCode.TOO_MANY_MESSAGES: "too many messages per second, for too long",
    CloseCode.TOO_SLOW: "too slow: messages for you piled up unread",
    CloseCode.TOKEN_MISSING: "this chat needs a token",
    CloseCode.TOKEN_REFUSED: "token refused",
}
