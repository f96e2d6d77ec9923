"""Graceful shutdown: a request cut by the end of the drain is refused cleanly or visibly broken, never a
500 with a traceback, never a complete-looking 200; streams that can finish within the drain finish."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devtools.server import ServerProcess
from server.__main__ import GRACEFUL_SHUTDOWN_S
from tests.utils.problems import assert_problem
from tests.utils.raw_http import as_httpx, connect, read_answer, request_head
from tests.utils.records import insert_records

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]

# Enough that the answer to GET /all (about 60 bytes a record) cannot sit whole in socket buffers.
MANY_RECORDS = 500_000


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of this test's own, which the test shuts down."""
    process = ServerProcess(database_url, log_path=tmp_path / "server.log")
    with process:
        yield process


def test_a_body_still_arriving_when_the_drain_ends_answers_503(server: ServerProcess, tmp_path: Path) -> None:
    with connect(server.base_url, timeout_s=GRACEFUL_SHUTDOWN_S + 10) as sock:
        sock.sendall(
            request_head("POST", "/new", {"Content-Type": "application/json", "Content-Length": "100"})
        )
        sock.sendall(b"[")
        time.sleep(0.3)
        server.send_signal(signal.SIGTERM)
        answer = read_answer(sock)
    assert answer.headers["connection"] == "close"
    assert_problem(as_httpx(answer), 503, "shutting down")
    # uvicorn re-raises the signal once it has shut down gracefully.
    assert server.stop(grace_s=5) in (0, -signal.SIGTERM)
    assert "Traceback" not in (tmp_path / "server.log").read_text()


def test_get_all_cut_by_the_end_of_the_drain_is_visibly_broken(
    database_url: str, server: ServerProcess
) -> None:
    insert_records(database_url, MANY_RECORDS)
    with connect(server.base_url, timeout_s=GRACEFUL_SHUTDOWN_S + 10) as sock:
        sock.sendall(request_head("GET", "/all", {}))
        received = sock.recv(65536)
        assert received.startswith(b"HTTP/1.1 200")
        server.send_signal(signal.SIGTERM)
        # A reader too slow to take the rest before the drain ends.
        time.sleep(GRACEFUL_SHUTDOWN_S + 1)
        while chunk := sock.recv(1 << 20):
            received += chunk
    assert b"transfer-encoding: chunked" in received.lower()
    assert not received.endswith(b"0\r\n\r\n"), "a cut stream looked complete"
    server.stop(grace_s=5)


async def test_get_all_that_can_finish_within_the_drain_finishes(
    database_url: str, server: ServerProcess
) -> None:
    insert_records(database_url, 100_000)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        async with client.stream("GET", "/all") as response:
            server.send_signal(signal.SIGTERM)
            body = await response.aread()
        assert response.status_code == 200
    assert body.endswith(b"]")
    assert body.count(b'"uuid"') == 100_000
    await asyncio.to_thread(server.stop, grace_s=5)
