"""A stand-in replica for the load client's own tests: DELETE /{key} that is unavailable for a while."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.test_utils import TestServer


class Replica:
    """A tiny server for DELETE /{key}: 503 to the first `unavailable` requests, then 200; it keeps the
    `traceparent` of every request (None when there is none)."""

    def __init__(self, unavailable: int = 0) -> None:
        self.traceparents: list[str | None] = []
        self._unavailable = unavailable
        self.app = web.Application()
        self.app.router.add_delete("/{key}", self._delete)

    async def _delete(self, request: web.Request) -> web.Response:
        self.traceparents.append(request.headers.get("traceparent"))
        if len(self.traceparents) <= self._unavailable:
            return web.json_response({"status": 503}, status=503)
        return web.json_response({"uuid": request.match_info["key"], "text": "x"})

    @property
    def requests(self) -> int:
        return len(self.traceparents)


async def serve(replica: Replica) -> AsyncIterator[str]:
    """The replica on a free local port, for as long as the caller iterates; its base URL."""
    async with TestServer(replica.app, host="127.0.0.1") as server:
        yield str(server.make_url("")).rstrip("/")
