"""Clients that start GET /all and never read hold no database connection: everything else is served; and
clients that leave mid-stream cost no connection."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import psycopg
import pytest

from devtools.server import ServerProcess
from tests.utils.problems import assert_still_serving
from tests.utils.raw_http import connect, request_head
from tests.utils.records import insert_records

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]

POOL_SIZE = 4
# More stalled streams than the pool has connections, each far larger than what socket buffers hold.
STALLED_READERS = 4 * POOL_SIZE
RECORDS = 200_000


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    env = {"DB_POOL_SIZE": str(POOL_SIZE)}
    with ServerProcess(database_url, env=env, log_path=tmp_path / "server.log") as process:
        yield process


def test_stalled_get_all_readers_do_not_take_the_pool(database_url: str, server: ServerProcess) -> None:
    insert_records(database_url, RECORDS)
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


def test_readers_that_leave_mid_stream_cost_no_connection(
    database_url: str, server: ServerProcess, tmp_path: Path
) -> None:
    insert_records(database_url, RECORDS)
    for _ in range(STALLED_READERS):
        with connect(server.base_url) as sock:
            sock.sendall(request_head("GET", "/all", {}))
            sock.recv(65536)
            # Reset rather than close: the server learns at once that its reader is gone.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(0.5)
    assert_still_serving(server.base_url)
    log = (tmp_path / "server.log").read_text()
    assert "discarding" not in log
    assert "Traceback" not in log


def test_a_reader_that_accepts_nothing_is_cut_off_after_the_send_timeout(
    database_url: str, tmp_path: Path
) -> None:
    insert_records(database_url, RECORDS)
    env = {"STREAM_SEND_TIMEOUT_S": "1"}
    with ServerProcess(database_url, env=env, log_path=tmp_path / "cut.log") as server:
        with connect(server.base_url) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(request_head("GET", "/all", {}))
            time.sleep(3.0)
            received = b""
            while chunk := sock.recv(1 << 20):
                received += chunk
        assert_still_serving(server.base_url)
    assert received.startswith(b"HTTP/1.1 200")
    assert not received.endswith(b"0\r\n\r\n"), "a cut stream looked complete"
    assert len(received) < RECORDS * 50, "the stream was not cut"
    assert "stream cut" in (tmp_path / "cut.log").read_text()
