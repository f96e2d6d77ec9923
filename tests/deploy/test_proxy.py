"""The proxy's committed configuration, run by nginx in front of the API replicas run locally.

It balances requests over every replica, passes WebSocket upgrades so that a chat message crosses from a
client on one replica to a client on another, lets the largest batch the contract accepts through,
refuses a larger body itself with a 413 problem, cuts off a client that trickles its headers once the
header timeout has passed, and marks a request it sent to a second replica after the first took it and
died (X-Proxy-Replayed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from devtools.ports import free_port
from tests.utils.local_services import LocalSystem
from tests.utils.nginx import TEMPLATES, NginxProcess, local_upstream_servers
from tests.utils.problems import assert_problem
from tests.utils.raw_http import as_httpx, read_answer, request_head

pytestmark = pytest.mark.slow

TEMPLATE = (TEMPLATES / "default.conf.template").read_text()
MAX_BATCH, MAX_TEXT = 1000, 1000
# A character outside the Basic Multilingual Plane: 12 bytes once JSON escapes it as a surrogate pair.
WIDEST_CHARACTER = "\U0001f600"
RECEIVE_TIMEOUT_S = 5.0


def _directive_seconds(name: str) -> int:
    found = re.search(rf"^\s*{name}\s+(\d+)s;", TEMPLATE, re.MULTILINE)
    assert found, f"{name} is set in seconds in the template"
    return int(found[1])


def _body_limit_bytes() -> int:
    found = re.search(r"^\s*client_max_body_size\s+(\d+)m;", TEMPLATE, re.MULTILINE)
    assert found, "client_max_body_size is set in megabytes in the template"
    return int(found[1]) * 1024 * 1024


def _new_log_upstreams(proxy: NginxProcess, before: int, count: int, timeout_s: float = 5.0) -> list[str]:
    """The upstream of the next `count` access-log lines after the first `before`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        upstreams = proxy.upstreams_in_access_log()[before:]
        if len(upstreams) >= count:
            return upstreams[:count]
        time.sleep(0.05)
    raise AssertionError(f"expected {count} access-log lines, got {proxy.upstreams_in_access_log()[before:]}")


def _addresses(local_system: LocalSystem) -> set[str]:
    return {url.removeprefix("http://") for url in local_system.api_urls}


def test_requests_are_balanced_over_every_replica(local_system: LocalSystem) -> None:
    proxy = local_system.proxy
    before = len(proxy.upstreams_in_access_log())
    for _ in range(10):
        assert httpx.get(f"{proxy.base_url}/healthz", timeout=5).status_code == 200
    assert set(_new_log_upstreams(proxy, before, 10)) == _addresses(local_system)


def test_largest_batch_the_contract_accepts_passes_the_proxy(local_system: LocalSystem) -> None:
    batch = [{"uuid": str(uuid.uuid4()), "text": WIDEST_CHARACTER * MAX_TEXT} for _ in range(MAX_BATCH)]
    body = json.dumps(batch, ensure_ascii=True).encode()
    assert 0.8 * _body_limit_bytes() < len(body) <= _body_limit_bytes(), "the limit fits this batch closely"
    answer = httpx.post(
        f"{local_system.proxy.base_url}/new",
        content=body,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert answer.status_code == 201, answer.text[:500]


def test_body_over_the_limit_is_refused_by_the_proxy_with_a_413_problem(local_system: LocalSystem) -> None:
    proxy = local_system.proxy
    before = len(proxy.upstreams_in_access_log())
    answer = httpx.post(
        f"{proxy.base_url}/new",
        content=b"[" + b" " * _body_limit_bytes() + b"]",
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == 413
    assert _new_log_upstreams(proxy, before, 1) == ["-"], "no replica saw the request"


@pytest.mark.parametrize("path", ["/metrics", "/metrics?name[]=x", "/%6Detrics", "//metrics"])
def test_the_proxy_does_not_serve_the_replicas_metrics(local_system: LocalSystem, path: str) -> None:
    proxy = local_system.proxy
    before = len(proxy.upstreams_in_access_log())
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as client:
        client.sendall(request_head("GET", path, {}))
        answer = as_httpx(read_answer(client))
    assert_problem(answer, 404, "scraped from each replica")
    assert _new_log_upstreams(proxy, before, 1) == ["-"], "no replica saw the request"


def test_each_replica_still_serves_its_metrics_to_prometheus(local_system: LocalSystem) -> None:
    for api_url in local_system.api_urls:
        answer = httpx.get(f"{api_url}/metrics", timeout=5)
        assert answer.status_code == 200
        assert "http_requests_total" in answer.text


def test_client_trickling_its_headers_is_cut_off_at_the_header_timeout(local_system: LocalSystem) -> None:
    timeout_s = _directive_seconds("client_header_timeout")
    request = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Trickle: " + b"a" * (timeout_s * 10)
    with socket.create_connection(("127.0.0.1", local_system.proxy.port), timeout=1) as client:
        started = time.monotonic()
        cut_off_after = None
        for byte in request:
            try:
                client.sendall(bytes([byte]))
                if client.recv(1024) == b"":
                    cut_off_after = time.monotonic() - started
                    break
            except TimeoutError:
                continue  # one second passed with the connection still open: send the next byte
            except (BrokenPipeError, ConnectionResetError):
                cut_off_after = time.monotonic() - started
                break
    assert cut_off_after is not None, "the connection outlived the header timeout"
    assert timeout_s - 1 <= cut_off_after <= timeout_s + 2


async def _receive(client: ClientConnection) -> str:
    message = await asyncio.wait_for(client.recv(), RECEIVE_TIMEOUT_S)
    assert isinstance(message, str)
    return message


async def test_chat_message_crosses_replicas_through_the_proxy(local_system: LocalSystem) -> None:
    proxy = local_system.proxy
    room = f"{proxy.base_url.replace('http://', 'ws://')}/chat/compose-{uuid.uuid4().hex[:8]}"
    before = len(proxy.upstreams_in_access_log())
    clients: list[ClientConnection] = []
    try:
        # One after another: the proxy's round-robin places them on alternating replicas.
        for _ in range(4):
            clients.append(await connect(room, open_timeout=5))
        sender, *receivers = clients
        await sender.send("across replicas")
        for receiver in receivers:
            assert (await _receive(receiver)).endswith(" :: across replicas")
        # The proxy logs a WebSocket when it closes: the sender's line first, then the receivers'.
        await sender.close()
        (sender_upstream,) = _new_log_upstreams(proxy, before, 1)
    finally:
        for client in clients:
            await client.close()
    receiver_upstreams = _new_log_upstreams(proxy, before + 1, len(receivers))
    assert {sender_upstream, *receiver_upstreams} == _addresses(local_system)
    assert any(upstream != sender_upstream for upstream in receiver_upstreams)


class _DyingReplica:
    """A replica that dies mid-request: it takes each request whole, then closes without answering."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self.requests_taken = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self._listener.accept()
                with connection:
                    received = b""
                    while b"\r\n\r\n" not in received and (chunk := connection.recv(4096)):
                        received += chunk
                    self.requests_taken += b"\r\n\r\n" in received

    def close(self) -> None:
        self._listener.close()


def test_the_proxy_marks_a_delete_it_sent_again_after_its_replica_died_with_it(
    local_system: LocalSystem, nginx_binary: str, tmp_path: Path
) -> None:
    dying = _DyingReplica()
    servers = local_upstream_servers(
        local_system.services["proxy"]["environment"]["API_UPSTREAM_SERVERS"],
        [dying.address, local_system.api_urls[0].removeprefix("http://")],
    )
    port = free_port()
    environment = {"NGINX_PORT": str(port), "API_UPSTREAM_SERVERS": servers}
    try:
        with NginxProcess(nginx_binary, environment, port, tmp_path) as proxy:
            answers = [httpx.delete(f"{proxy.base_url}/{uuid.uuid4()}", timeout=10) for _ in range(4)]
    finally:
        dying.close()
    assert [answer.status_code for answer in answers] == [404] * 4
    replayed = [answer.headers.get("x-proxy-replayed") for answer in answers]
    # Round-robin sends half of them to the dying replica first; only those are marked.
    assert replayed.count("1") == dying.requests_taken == 2, replayed
    assert replayed.count(None) == 2, replayed


def test_the_proxy_does_not_mark_a_request_whose_first_replica_refused_the_connection(
    local_system: LocalSystem, nginx_binary: str, tmp_path: Path
) -> None:
    servers = local_upstream_servers(
        local_system.services["proxy"]["environment"]["API_UPSTREAM_SERVERS"],
        [f"127.0.0.1:{free_port()}", local_system.api_urls[0].removeprefix("http://")],
    )
    port = free_port()
    environment = {"NGINX_PORT": str(port), "API_UPSTREAM_SERVERS": servers}
    with NginxProcess(nginx_binary, environment, port, tmp_path) as proxy:
        answers = [httpx.delete(f"{proxy.base_url}/{uuid.uuid4()}", timeout=10) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [404] * 4
    assert [answer.headers.get("x-proxy-replayed") for answer in answers] == [None] * 4
