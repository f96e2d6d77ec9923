"""Every failure, whoever raises it, answered as an RFC 9457 problem with a status the contract documents."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Final

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.db.errors import DatabaseUnavailable
from server.http.responses import problem

logger = logging.getLogger(__name__)

# Where ProblemMiddleware leaves the status of the response it saw start, in the scope's extensions:
# the metrics read it there instead of wrapping `send` again (a second wrapper cost 12 to 18 us a request).
RESPONSE_STATUS: Final = "records_shop.response_status"

DATABASE_RETRY_AFTER_S = "1"
RETRY_AFTER = {"Retry-After": DATABASE_RETRY_AFTER_S}


def database_unavailable(detail: str = "the database cannot be reached; retry later") -> Response:
    """The 503 of every database outage, with the Retry-After docs/operations.md promises."""
    return problem(503, detail, headers=RETRY_AFTER)


def _http_error(error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    # Connexion reports every validation failure, malformed JSON included, as 400: the contract says 422.
    status = 422 if error.status_code == 400 else error.status_code
    return problem(status, error.detail, headers=error.headers)


def _database_error(error: Exception) -> Response:
    # One line, not a traceback: during an outage every request lands here.
    logger.error("database unavailable: %s", error)
    return database_unavailable()


def _client_gone(_error: Exception) -> Response:
    # Nobody reads this answer: the client left before its body was whole.
    return problem(408, "the request body ended before it was complete")


def _unexpected(error: Exception) -> Response:
    logger.error("unexpected error: %r", error, exc_info=error)
    return problem(500, "the server failed to answer this request")


_HANDLERS: Mapping[type[Exception], Callable[[Exception], Response]] = {
    HTTPException: _http_error,
    ClientDisconnect: _client_gone,
    DatabaseUnavailable: _database_error,
    Exception: _unexpected,
}


def answer_for(error: Exception) -> Response:
    """The problem response for an error, by the handler of its nearest class in _HANDLERS."""
    handler = next(_HANDLERS[cls] for cls in type(error).__mro__ if cls in _HANDLERS)
    return handler(error)


class ProblemMiddleware:
    """Answer every failure under it as a problem: the one error layer of the stack.

    It takes the place of Connexion's ExceptionMiddleware, which renders Starlette's errors (404, 405,
    415) and its problems in shapes and titles of its own, and of Starlette's ServerErrorMiddleware: one
    layer that watches the response start, where those two and a cancellation guard each wrapped `send`.

    A failure after the response started cannot be answered: it is re-raised, and uvicorn logs it and
    closes the connection, so that a partial answer never looks complete. uvicorn cancels what is still
    running when the graceful-shutdown drain ends, typically a request still sending its body: that
    request gets a 503 with `Connection: close` instead of a 500 and a traceback. The status of every
    response it sees start, its own answers included, is left in the scope under RESPONSE_STATUS.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        extensions = scope.setdefault("extensions", {})

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                extensions[RESPONSE_STATUS] = message["status"]
            started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except asyncio.CancelledError:
            if started:
                raise
            headers = {**RETRY_AFTER, "Connection": "close"}
            shutting_down = problem(503, "the server is shutting down; retry", headers=headers)
            await shutting_down(scope, receive, send_tracking)
        except Exception as error:
            if started:
                raise
            await answer_for(error)(scope, receive, send_tracking)
