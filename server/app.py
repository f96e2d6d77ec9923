"""Build the Connexion application from the contract in openapi/."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from typing import Any

from connexion import AsyncApp
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.options import SwaggerUIOptions
from starlette.types import ASGIApp, Receive, Scope, Send

from server import metrics
from server.chat.endpoint import ChatRoutes
from server.chat.hub import ChatHub, create_hub
from server.contract import Contract, load_contract
from server.errors import ProblemMiddleware
from server.lifespan import lifespan_for
from server.limits import RequestLimits
from server.operations import OperationLayer
from server.paths import SPEC_PATH
from server.routing import Router, declared_paths
from server.settings import Settings
from server.validation import JsonBodyValidator, NamedParameterValidator

DOCS_PATHS = ("/openapi.json", "/openapi.yaml", "/ui")


class DocsMiddleware(SwaggerUIMiddleware):
    """Connexion's Swagger UI and spec routes, consulted only for their own paths.

    The stock middleware sends every request through a router of its own before the API's router sees
    it; a prefix test keeps that out of the API's hot path.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(DOCS_PATHS):
            await super().__call__(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _middlewares(settings: Settings, chat: ChatHub, contract: Contract) -> list[Callable[..., ASGIApp]]:
    """Connexion's default stack less what this service does not use, with our layers in place of some.

    No operation declares security, so SecurityMiddleware only costs time; response validation buffers
    and re-validates every body, so it runs in tests and wherever VALIDATE_RESPONSES asks for it.
    ProblemMiddleware takes the place of Starlette's ServerErrorMiddleware and Connexion's
    ExceptionMiddleware: every error in our shape. Our OperationLayer validates and answers every
    operation in place of Connexion's RequestValidationMiddleware and its per-request decoration (see
    server/operations.py); ContextMiddleware stays behind it for anything routing matched to no
    operation. Metrics come first so that they count every answer, 500s included; WebSocket connections
    go straight to the chat: Connexion's layers serve HTTP only.
    """
    limits = partial(
        RequestLimits,
        max_body_bytes=settings.max_body_bytes,
        body_read_timeout_s=settings.body_read_timeout_s,
    )
    stack: list[Callable[..., ASGIApp]] = []
    if settings.metrics:
        stack.append(metrics.MetricsMiddleware)
    stack += [
        partial(ChatRoutes, hub=chat),
        ProblemMiddleware,
        limits,
        DocsMiddleware,
        partial(Router, declared=declared_paths(contract)),
    ]
    if settings.validate_responses:
        stack.append(ResponseValidationMiddleware)
    stack += [LifespanMiddleware, OperationLayer, ContextMiddleware]
    return stack


def _with_chat(
    database: Callable[[Any], AbstractAsyncContextManager[dict[str, Any]]], chat: ChatHub
) -> Callable[[Any], AbstractAsyncContextManager[dict[str, Any]]]:
    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
        async with database(app) as state, chat.running():
            yield state

    return lifespan


def create_app(settings: Settings) -> AsyncApp:
    chat = create_hub(settings, metrics.ChatMetrics())
    app = AsyncApp(
        __name__,
        lifespan=_with_chat(lifespan_for(settings), chat),
        # The router reads the contract from a parse of its own; Connexion reads its own.
        middlewares=_middlewares(settings, chat, load_contract(SPEC_PATH)),
    )
    app.add_api(
        SPEC_PATH,
        validate_responses=settings.validate_responses,
        strict_validation=True,
        validator_map={
            "parameter": NamedParameterValidator,
            "body": {"application/json": JsonBodyValidator},
        },
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
    )
    metrics.expose(settings.prometheus_multiproc_dir)
    return app
