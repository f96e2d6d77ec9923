"""Limits on a request body, enforced before anything parses it: its size (413) and its arrival time (408)."""

from __future__ import annotations

import asyncio

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Answers that leave a body unread also end the connection: what follows on it is the rest of that body.
_CLOSE = {"Connection": "close"}


def _declared_body(scope: Scope) -> tuple[bool, int | None]:
    """Whether the request has a body (a Content-Length or a Transfer-Encoding), and its declared length."""
    has_body, length = False, None
    for name, value in scope["headers"]:
        if name == b"content-length":
            # uvicorn refuses a malformed Content-Length before the app sees it.
            has_body, length = True, int(value)
        elif name == b"transfer-encoding":
            has_body = True
    return has_body, length


class RequestLimits:
    """Refuse a body over max_body_bytes, and one that takes longer than body_read_timeout_s to arrive.

    A declared Content-Length over the limit is refused before a byte of the body is read; a chunked
    body is counted as it arrives and refused as soon as it passes the limit. A 50 MB body took a
    worker from 100 MB to 1.47 GB and froze its event loop for 1.3 s before this limit existed.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, body_read_timeout_s: float) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_read_timeout_s = body_read_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        has_body, declared = _declared_body(scope)
        if declared is not None and declared > self.max_body_bytes:
            raise HTTPException(413, self._too_large(), headers=_CLOSE)
        # Without either header HTTP/1.1 has no body (RFC 9112 6.3): nothing to bound.
        await self.app(scope, self._bounded(receive) if has_body else receive, send)

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_body_bytes} bytes"

    def _bounded(self, receive: Receive) -> Receive:
        received = 0
        deadline: float | None = None
        complete = False

        async def bounded_receive() -> Message:
            nonlocal received, deadline, complete
            if complete:
                # The body is whole: what remains to receive is the disconnect a response may wait for.
                return await receive()
            loop = asyncio.get_running_loop()
            if deadline is None:
                deadline = loop.time() + self.body_read_timeout_s
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                detail = f"the request body did not arrive within {self.body_read_timeout_s:g} s"
                raise HTTPException(408, detail, headers=_CLOSE) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise HTTPException(413, self._too_large(), headers=_CLOSE)
                complete = not message.get("more_body", False)
            return message

        return bounded_receive
