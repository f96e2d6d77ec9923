"""HTTP/1.1 over a bare socket, for requests no well-behaved client library will send."""

from __future__ import annotations

import socket
from http import HTTPStatus
from typing import NamedTuple
from urllib.parse import urlsplit

import httpx


class RawAnswer(NamedTuple):
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes


def connect(base_url: str, timeout_s: float = 10.0) -> socket.socket:
    parts = urlsplit(base_url)
    return socket.create_connection((parts.hostname, parts.port), timeout=timeout_s)


def read_answer(sock: socket.socket) -> RawAnswer:
    """Read one response whose body has a Content-Length (every problem answer has one)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    _, status, reason = status_line.split(" ", 2)
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return RawAnswer(int(status), reason, headers, body[:length])


def as_httpx(answer: RawAnswer) -> httpx.Response:
    """The raw answer as an httpx.Response, so the same assertions apply to both."""
    response = httpx.Response(answer.status, headers=answer.headers, content=answer.body)
    response.extensions["reason_phrase"] = answer.reason.encode("latin-1")
    assert answer.reason == HTTPStatus(answer.status).phrase
    return response


def request_head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: test", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
