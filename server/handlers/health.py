"""Liveness and readiness probes."""

from __future__ import annotations

from starlette.responses import Response

from server.errors import DATABASE_UNAVAILABLE, database_unavailable
from server.lifespan import current_database
from server.responses import json_response

# A probe answers within this, whatever the database does (a frozen one made it take 12 s).
READINESS_TIMEOUT_S = 2.0
_NOT_READY: tuple[type[Exception], ...] = (*DATABASE_UNAVAILABLE, OSError, TimeoutError)


async def healthz() -> Response:
    return json_response({"status": "ok"})


async def readyz() -> Response:
    try:
        await current_database().ping(READINESS_TIMEOUT_S)
    except _NOT_READY as error:
        return database_unavailable(f"database unreachable: {type(error).__name__}")
    return json_response({"status": "ok"})
