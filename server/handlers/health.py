"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio

from starlette.responses import Response

from server.errors import DATABASE_UNAVAILABLE
from server.lifespan import current_database
from server.responses import json_response, problem

READINESS_TIMEOUT_S = 2.0


async def healthz() -> Response:
    return json_response({"status": "ok"})


async def readyz() -> Response:
    try:
        await asyncio.wait_for(current_database().ping(), READINESS_TIMEOUT_S)
    except (*DATABASE_UNAVAILABLE, OSError, TimeoutError) as error:
        return problem(503, "Service Unavailable", f"database unreachable: {type(error).__name__}")
    return json_response({"status": "ok"})
