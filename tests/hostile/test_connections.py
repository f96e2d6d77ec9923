"""Past LIMIT_CONCURRENCY open connections uvicorn refuses a request with a 503 problem instead of queueing
it, a request its parser refuses is a 400 problem, and an idle keep-alive connection is closed after
KEEP_ALIVE_S. (A connection that never sends a request is never timed out by uvicorn: the reverse proxy
bounds those.)"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest

from devtools.server import ServerProcess
from tests.utils.problems import assert_problem, assert_still_serving
from tests.utils.raw_http import as_httpx, connect, read_answer, request_head

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]

LIMIT = 4
KEEP_ALIVE_S = 1


@pytest.fixture
def server(database_url: str) -> Iterator[ServerProcess]:
    env = {"LIMIT_CONCURRENCY": str(LIMIT), "KEEP_ALIVE_S": str(KEEP_ALIVE_S)}
    with ServerProcess(database_url, env=env) as process:
        yield process


def test_connections_past_the_limit_are_refused_with_503(server: ServerProcess) -> None:
    with ExitStack() as stack:
        for _ in range(LIMIT):
            stack.enter_context(connect(server.base_url))
        time.sleep(0.2)
        # uvicorn's own refusal, before the app, in the shape of every other error (server/http/protocol.py).
        refused = httpx.get(f"{server.base_url}/10")
    assert_problem(refused, 503, "concurrency limit")
    assert refused.headers["retry-after"] == "1"
    time.sleep(0.2)
    assert_still_serving(server.base_url)


def test_a_request_the_parser_refuses_is_a_400_problem_and_the_connection_ends(server: ServerProcess) -> None:
    with connect(server.base_url) as sock:
        sock.sendall(b"GET /10 HTTP/1.1\r\nHost: test\r\nBad Header Line\r\n\r\n")
        answer = read_answer(sock)
        assert sock.recv(1) == b""
    assert_problem(as_httpx(answer), 400, "Invalid HTTP request")
    assert answer.headers["connection"] == "close"
    assert_still_serving(server.base_url)


def test_an_idle_keep_alive_connection_is_closed(server: ServerProcess) -> None:
    with connect(server.base_url) as sock:
        sock.sendall(request_head("GET", "/healthz", {}))
        assert read_answer(sock).status == 200
        sock.settimeout(KEEP_ALIVE_S + 3)
        started = time.monotonic()
        assert sock.recv(1) == b""
        assert time.monotonic() - started < KEEP_ALIVE_S + 1
