"""ACCESS_LOG's layer: one line a request in the service's log format, written after the event-loop turn."""

from __future__ import annotations

import asyncio
import io
import json
import re
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from starlette.types import Receive, Scope, Send

from server.config.settings import LogFormat
from server.http.problems import RESPONSE_STATUS
from server.observability.access_log import (
    FLUSH_INTERVAL_S,
    LOGGER_NAME,
    MAX_PENDING_LINES,
    AccessLog,
    BatchedWriter,
)


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


async def _written() -> None:
    """Past the writer's flush interval."""
    await asyncio.sleep(FLUSH_INTERVAL_S * 1.5)


def _layer(log_format: LogFormat, stream: _Stream, app: Any = _answer) -> AccessLog:
    return AccessLog(app, log_format=log_format, writer=BatchedWriter(stream))


async def test_a_text_line_has_the_service_s_prefix_the_request_line_the_status_and_the_time() -> None:
    stream = _Stream()
    await _serve(_layer("text", stream), _scope(query=b"a=1"))
    await _written()
    [line] = stream.lines()
    pattern = (
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO " + re.escape(LOGGER_NAME) + r" \[\d+\] "
        r'127\.0\.0\.1:50123 - "POST /new\?a=1 HTTP/1\.1" 201 \d+\.\d ms'
    )
    assert re.fullmatch(pattern, line), line


async def test_a_json_line_carries_the_request_s_fields_apart() -> None:
    stream = _Stream()
    await _serve(_layer("json", stream), _scope())
    await _written()
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
    await _written()
    [line] = stream.lines()
    assert '"POST /a%0Afake%20line HTTP/1.1"' in line


async def test_a_request_no_layer_answered_is_logged_with_the_500_uvicorn_sends() -> None:
    stream = _Stream()
    layer = _layer("text", stream, app=_fail)
    with pytest.raises(RuntimeError):
        await _serve(layer, _scope())
    await _written()
    [line] = stream.lines()
    assert '"POST /new HTTP/1.1" 500' in line


async def test_lines_wait_for_the_flush_interval_and_leave_in_one_write() -> None:
    stream = _Stream()
    layer = _layer("text", stream)
    await asyncio.gather(*(_serve(layer, _scope()) for _ in range(5)))
    assert stream.writes == 0, "a line was written before the interval ended"
    await _written()
    assert len(stream.lines()) == 5
    assert stream.writes == 1


async def test_a_full_batch_is_written_at_once() -> None:
    stream = _Stream()
    layer = _layer("text", stream)
    await asyncio.gather(*(_serve(layer, _scope()) for _ in range(MAX_PENDING_LINES)))
    assert stream.writes == 1
    assert len(stream.lines()) == MAX_PENDING_LINES


async def test_waiting_lines_are_written_when_the_server_shuts_down() -> None:
    stream = _Stream()
    shut_down = asyncio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await send({"type": "lifespan.shutdown.complete"})
            shut_down.set()
        else:
            await _answer(scope, receive, send)

    layer = _layer("text", stream, app=app)
    await _serve(layer, _scope())
    assert stream.writes == 0
    await _serve(layer, {"type": "lifespan"})
    assert shut_down.is_set()
    assert len(stream.lines()) == 1


async def test_websocket_connections_are_not_access_logged() -> None:
    stream = _Stream()
    served: list[str] = []

    async def chat(scope: Scope, _receive: Receive, _send: Send) -> None:
        served.append(scope["type"])

    await _serve(_layer("text", stream, app=chat), {**_scope(), "type": "websocket"})
    await _written()
    assert served == ["websocket"]
    assert stream.getvalue() == b""


async def test_a_json_line_of_a_traced_request_carries_its_trace_and_span_ids() -> None:
    stream = _Stream()
    with TracerProvider().get_tracer(__name__).start_as_current_span("POST /new") as span:
        await _serve(_layer("json", stream), _scope())
    await _written()
    [line] = stream.lines()
    document = json.loads(line)
    context = span.get_span_context()
    assert document["trace_id"] == trace.format_trace_id(context.trace_id)
    assert document["span_id"] == trace.format_span_id(context.span_id)
