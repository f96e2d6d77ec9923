"""A small OTLP/HTTP trace receiver standing in for a collector: the tests' (spans decoded by
opentelemetry-proto, kept) and the bench's (`keep=False`: every export answered, nothing decoded or kept)."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, Span

TRACES_PATH = "/v1/traces"


class OtlpReceiver:
    """Listens on a free local port; `endpoint` is what OTEL_EXPORTER_OTLP_ENDPOINT names.

    With `keep=False` it does the least a collector would, read the body and answer, so that what the
    bench measures is the server's cost of tracing, not this thread's decoding (it runs in the bench's
    own process, its CPU foreign load to the server); `exports` still counts the requests.
    """

    def __init__(self, keep: bool = True) -> None:
        self.exports = 0
        self._keep = keep
        self.requests: list[ExportTraceServiceRequest] = []
        self.content_types: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path != TRACES_PATH:
                    self.send_error(404)
                    return
                receiver._received(body, self.headers)
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args: object) -> None:
                return None

        return Handler

    def _received(self, body: bytes, headers: Message) -> None:
        if not self._keep:
            with self._lock:
                self.exports += 1
            return
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportTraceServiceRequest.FromString(body)
        with self._lock:
            self.exports += 1
            self.requests.append(request)
            self.content_types.append(headers["Content-Type"])

    def resource_spans(self) -> list[ResourceSpans]:
        with self._lock:
            return [resource for request in self.requests for resource in request.resource_spans]

    def spans(self) -> list[Span]:
        return [
            span
            for resource in self.resource_spans()
            for scope in resource.scope_spans
            for span in scope.spans
        ]

    def wait_for(self, condition: Callable[[list[Span]], bool], timeout_s: float = 10.0) -> list[Span]:
        """The spans received once `condition` holds of them; AssertionError if it never does in time."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            spans = self.spans()
            if condition(spans):
                return spans
            time.sleep(0.05)
        raise AssertionError(f"the spans received in {timeout_s} s never met the condition: {self.spans()}")

    def __enter__(self) -> OtlpReceiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
