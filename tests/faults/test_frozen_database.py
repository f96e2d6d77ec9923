"""A frozen PostgreSQL (SIGSTOP): every request answers 503 within its deadline, and all recovers on SIGCONT.

The deadline of a database call is DB_STATEMENT_TIMEOUT_S + 1 s; `/readyz` has its own 2 s.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from devtools.postgres import PostgresCluster
from devtools.server import ServerProcess
from server.db.postgres import DEADLINE_MARGIN_S
from server.handlers.health import READINESS_TIMEOUT_S
from tests.utils.problems import assert_problem

pytestmark = pytest.mark.slow

STATEMENT_TIMEOUT_S = 1.0
DEADLINE_S = STATEMENT_TIMEOUT_S + DEADLINE_MARGIN_S
# What a 503 may take beyond its deadline: the event loop's own latency on a busy 2-core machine.
SLACK_S = 1.0


async def _timed(
    client: httpx.AsyncClient, method: str, path: str, **kwargs: object
) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await client.request(method, path, **kwargs)  # type: ignore[arg-type]
    return response, time.monotonic() - started


async def test_a_frozen_database_answers_503_within_the_deadline_and_recovers(
    cluster: PostgresCluster,
) -> None:
    env = {"DB_STATEMENT_TIMEOUT_S": str(STATEMENT_TIMEOUT_S), "DB_POOL_SIZE": "4"}
    with ServerProcess(cluster.url("service"), env=env) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            assert (await client.post("/new", json=[{"text": "before"}])).status_code == 201
            cluster.freeze()
            try:
                frozen = await asyncio.gather(
                    _timed(client, "GET", "/10"),
                    _timed(client, "GET", "/all"),
                    _timed(client, "POST", "/new", json=[{"text": "during"}]),
                    _timed(client, "POST", "/item", json={"name": "n", "price": 1.0}),
                    *(_timed(client, "GET", "/10") for _ in range(8)),
                )
                ready, ready_s = await _timed(client, "GET", "/readyz")
            finally:
                cluster.thaw()
            after = [(await client.get("/10")).status_code for _ in range(6)]
            ready_after = await client.get("/readyz")
    for response, elapsed in frozen:
        assert_problem(response, 503)
        assert response.headers["retry-after"] == "1"
        assert elapsed < DEADLINE_S + SLACK_S, f"{response.request.url} took {elapsed:.1f} s"
    assert_problem(ready, 503)
    assert ready.headers["retry-after"] == "1"
    assert ready_s < READINESS_TIMEOUT_S + SLACK_S
    assert after == [200] * 6
    assert ready_after.status_code == 200
