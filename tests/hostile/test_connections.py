"""Past LIMIT_CONCURRENCY open connections uvicorn refuses a request with 503 instead of queueing it, and
an idle keep-alive connection is closed after KEEP_ALIVE_S. (A connection that never sends a request is
never timed out by uvicorn: the reverse proxy bounds those.)"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest

from devtools.server import ServerProcess
from tests.utils.problems import assert_still_serving
from tests.utils.raw_http import connect, read_answer, request_head

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
        # uvicorn's own refusal, before the app: plain text, the one 5xx not in the problem shape.
        refused = httpx.get(f"{server.base_url}/10")
    assert refused.status_code == 503
    time.sleep(0.2)
    assert_still_serving(server.base_url)


def test_an_idle_keep_alive_connection_is_closed(server: ServerProcess) -> None:
    with connect(server.base_url) as sock:
        sock.sendall(request_head("GET", "/healthz", {}))
        assert read_answer(sock).status == 200
        sock.settimeout(KEEP_ALIVE_S + 3)
        started = time.monotonic()
        assert sock.recv(1) == b""
        assert time.monotonic() - started < KEEP_ALIVE_S + 1
