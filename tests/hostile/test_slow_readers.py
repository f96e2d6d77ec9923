"""Clients that start GET /all and never read hold no database connection: everything else is served."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import psycopg
import pytest

from tests.utils.problems import assert_still_serving
from tests.utils.raw_http import connect, request_head
from tests.utils.server import ServerProcess

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]

POOL_SIZE = 4
# More stalled streams than the pool has connections, each far larger than what socket buffers hold.
STALLED_READERS = 4 * POOL_SIZE
RECORDS = 200_000


@pytest.fixture
def server(database_url: str) -> Iterator[ServerProcess]:
    with ServerProcess(database_url, env={"DB_POOL_SIZE": str(POOL_SIZE)}) as process:
        yield process


def test_stalled_get_all_readers_do_not_take_the_pool(database_url: str, server: ServerProcess) -> None:
    with psycopg.connect(database_url) as connection:
        connection.execute(
            "INSERT INTO records (uuid, text) SELECT gen_random_uuid(), repeat('x', 16) "
            "FROM generate_series(1, %s)",
            (RECORDS,),
        )
    with ExitStack() as stack:
        stalled: list[socket.socket] = []
        for _ in range(STALLED_READERS):
            sock = stack.enter_context(connect(server.base_url))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(request_head("GET", "/all", {}))
            stalled.append(sock)
        # Every stream has started and filled what the sockets buffer.
        time.sleep(1.0)
        assert_still_serving(server.base_url)
        created = httpx.post(f"{server.base_url}/new", json=[{"text": "served"}], timeout=5)
        assert created.status_code == 201
        with psycopg.connect(database_url) as connection:
            busy = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'"
            ).fetchone()
        assert busy == (0,)
