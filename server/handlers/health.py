"""Liveness and readiness probes."""

from __future__ import annotations

from starlette.responses import Response

from server.db.errors import DatabaseUnavailable
from server.handlers.context import current_database
from server.http.problems import database_unavailable
from server.http.responses import json_response

# A probe answers within this, whatever the database does (a frozen one made it take 12 s).
READINESS_TIMEOUT_S = 2.0
_NOT_READY: tuple[type[Exception], ...] = (DatabaseUnavailable, OSError, TimeoutError)


async def healthz() -> Response:
    return json_response({"status": "ok"})


async def readyz() -> Response:
    try:
        await current_database().ping(READINESS_TIMEOUT_S)
    except _NOT_READY as error:
        kind = error.kind if isinstance(error, DatabaseUnavailable) else type(error).__name__
        return database_unavailable(f"database unreachable: {kind}")
    return json_response({"status": "ok"})
