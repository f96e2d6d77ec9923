"""uvicorn's HTTP protocol with its own two answers as problem documents: a malformed request, and overload.

uvicorn answers these before any ASGI layer runs, in plain text: a request its parser refuses (400) and a
request over `limit_concurrency` (503). uvicorn takes the protocol class as a setting (`http=`), so a
subclass answers both in the shape of every other error, without patching uvicorn: the 400 overrides
`send_400_response`, the 503 swaps uvicorn's `service_unavailable` app where the protocol starts a
request's task. The protocol refuses to start if uvicorn renames either hook; tests/hostile checks both
answers over real sockets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import orjson
from uvicorn.protocols.http.flow_control import service_unavailable
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol, RequestResponseCycle

from server.http.problems import RETRY_AFTER
from server.http.responses import PROBLEM_MEDIA_TYPE, problem

if TYPE_CHECKING:
    from uvicorn._types import ASGI3Application

# What the server refuses when it is at LIMIT_CONCURRENCY: the client may retry shortly, elsewhere or here.
OVER_CAPACITY = problem(
    503, "the server is at its concurrency limit; retry", headers={**RETRY_AFTER, "Connection": "close"}
)
# Where uvicorn's protocol decides these answers; a release that moves them must be looked at.
HOOKS = ("send_400_response", "_start_asgi_task")


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        missing = [hook for hook in HOOKS if not hasattr(HttpToolsProtocol, hook)]
        if missing:
            raise RuntimeError(f"uvicorn's HttpToolsProtocol no longer has {missing}: review {__name__}")
        super().__init__(*args, **kwargs)

    def send_400_response(self, msg: str) -> None:
        body = orjson.dumps({"type": "about:blank", "title": "Bad Request", "status": 400, "detail": msg})
        content = [STATUS_LINE[400]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: " + PROBLEM_MEDIA_TYPE.encode() + b"\r\n",
                b"content-length: " + str(len(body)).encode() + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: ASGI3Application) -> None:
        if app is service_unavailable:
            app = cast("ASGI3Application", OVER_CAPACITY)
        super()._start_asgi_task(cycle, app)
