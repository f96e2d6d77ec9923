"""ACCESS_LOG's layer: one line a request in the service's log format, written after the event-loop turn."""

from __future__ import annotations

import asyncio
import io
import json
import re
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from server.config.settings import LogFormat
from server.http.problems import RESPONSE_STATUS
from server.observability.access_log import LOGGER_NAME, AccessLog, BatchedWriter


class _Stream(io.BytesIO):
    writes = 0

    def write(self, data: Any) -> int:
        self.writes += 1
        return super().write(data)

    def lines(self) -> list[str]:
        return self.getvalue().decode().splitlines()


async def _answer(scope: Scope, _receive: Receive, send: Send) -> None:
    # What ProblemMiddleware leaves for the layers above it.
    scope["extensions"][RESPONSE_STATUS] = 201
    await send({"type": "http.response.start", "status": 201, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _fail(_scope: Scope, _receive: Receive, _send: Send) -> None:
    raise RuntimeError("nobody answered")


def _scope(raw_path: bytes = b"/new", query: bytes = b"") -> dict[str, Any]:
    return {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "path": raw_path.decode(),
        "raw_path": raw_path,
        "query_string": query,
        "client": ("127.0.0.1", 50123),
        "headers": [],
    }


async def _serve(layer: AccessLog, scope: dict[str, Any]) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(_message: Any) -> None:
        return None

    await layer(scope, receive, send)


def _layer(log_format: LogFormat, stream: _Stream, app: Any = _answer) -> AccessLog:
    return AccessLog(app, log_format=log_format, writer=BatchedWriter(stream))


async def test_a_text_line_has_the_service_s_prefix_the_request_line_the_status_and_the_time() -> None:
    stream = _Stream()
    await _serve(_layer("text", stream), _scope(query=b"a=1"))
    await asyncio.sleep(0)
    [line] = stream.lines()
    pattern = (
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO " + re.escape(LOGGER_NAME) + r" \[\d+\] "
        r'127\.0\.0\.1:50123 - "POST /new\?a=1 HTTP/1\.1" 201 \d+\.\d ms'
    )
    assert re.fullmatch(pattern, line), line


async def test_a_json_line_carries_the_request_s_fields_apart() -> None:
    stream = _Stream()
    await _serve(_layer("json", stream), _scope())
    await asyncio.sleep(0)
    [line] = stream.lines()
    document = json.loads(line)
    assert document["name"] == LOGGER_NAME
    assert document["level"] == "INFO"
    assert (document["method"], document["target"], document["status"]) == ("POST", "/new", 201)
    assert document["client"] == "127.0.0.1:50123"
    assert document["message"] == '127.0.0.1:50123 - "POST /new HTTP/1.1" 201'
    assert document["duration_ms"] >= 0


async def test_an_encoded_line_break_in_the_path_stays_encoded_in_the_log() -> None:
    stream = _Stream()
    await _serve(_layer("text", stream), _scope(raw_path=b"/a%0Afake%20line"))
    await asyncio.sleep(0)
    [line] = stream.lines()
    assert '"POST /a%0Afake%20line HTTP/1.1"' in line


async def test_a_request_no_layer_answered_is_logged_with_the_500_uvicorn_sends() -> None:
    stream = _Stream()
    layer = _layer("text", stream, app=_fail)
    with pytest.raises(RuntimeError):
        await _serve(layer, _scope())
    await asyncio.sleep(0)
    [line] = stream.lines()
    assert '"POST /new HTTP/1.1" 500' in line


async def test_the_lines_of_one_loop_iteration_leave_in_one_write_after_it() -> None:
    stream = _Stream()
    layer = _layer("text", stream)
    await _serve(layer, _scope())
    assert stream.writes == 0, "a line was written inside the iteration that answered it"
    # Five requests answered in one iteration of the loop, as under load.
    await asyncio.gather(*(_serve(layer, _scope()) for _ in range(5)))
    await asyncio.sleep(0)
    assert len(stream.lines()) == 6
    assert stream.writes == 2


async def test_websocket_connections_are_not_access_logged() -> None:
    stream = _Stream()
    served: list[str] = []

    async def chat(scope: Scope, _receive: Receive, _send: Send) -> None:
        served.append(scope["type"])

    await _serve(_layer("text", stream, app=chat), {**_scope(), "type": "websocket"})
    await asyncio.sleep(0)
    assert served == ["websocket"]
    assert stream.getvalue() == b""
