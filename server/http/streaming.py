"""A streamed JSON body (GET /all) that a reader who stops reading cannot hold open forever."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from starlette.responses import StreamingResponse
from starlette.types import Message, Send

logger = logging.getLogger(__name__)


class BoundedSendStream(StreamingResponse):
    """A stream that ends, visibly broken, when its reader accepts no chunk for `send_timeout_s`.

    A client that stopped reading would otherwise keep a socket and a paused stream forever. Stopping
    without the final empty chunk makes uvicorn close the connection, so the client sees a truncated
    chunked body (a transport error), never a complete-looking 200.
    """

    def __init__(self, content: AsyncIterator[bytes], send_timeout_s: float) -> None:
        super().__init__(content, media_type="application/json")
        self.send_timeout_s = send_timeout_s

    async def stream_response(self, send: Send) -> None:
        async def bounded_send(message: Message) -> None:
            async with asyncio.timeout(self.send_timeout_s):
                await send(message)

        try:
            await super().stream_response(bounded_send)
        except TimeoutError:
            logger.warning(
                "a streamed body's client read nothing for %.0f s; stream cut", self.send_timeout_s
            )
