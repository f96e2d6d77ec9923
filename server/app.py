"""Build the application: the stack of layers a request passes through, and each worker's start-up."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from typing import Any

from connexion import AsyncApp
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.options import SwaggerUIOptions
from opentelemetry.sdk.trace import TracerProvider
from starlette.types import ASGIApp

from server.chat.endpoint import ChatRoutes
from server.chat.hub import ChatHub, create_hub
from server.config.paths import SPEC_PATH
from server.config.runtime import tune_garbage_collector
from server.config.settings import Settings
from server.config.tokens import api_tokens
from server.contract.docs import DocsMiddleware
from server.contract.operations import OperationLayer
from server.contract.routing import Router, declared_paths
from server.contract.security import BearerSecurity
from server.contract.spec import Contract, load_contract, open_contract
from server.contract.validation import JsonBodyValidator, NamedParameterValidator
from server.db.connect import open_database
from server.handlers import context
from server.http.bearer import BearerTokens
from server.http.limits import RequestLimits
from server.http.problems import ProblemMiddleware
from server.observability import exposition, metrics
from server.observability.access_log import AccessLog
from server.observability.exemplars import ExemplarRecorder
from server.observability.middleware import MetricsMiddleware
from server.observability.tracing.middleware import TracingMiddleware
from server.observability.tracing.provider import configured_tracer_provider

Lifespan = Callable[[Any], AbstractAsyncContextManager[dict[str, Any]]]


def _middlewares(
    settings: Settings,
    chat: ChatHub,
    contract: Contract,
    *,
    tokens: BearerTokens | None,
    tracer_provider: TracerProvider | None,
) -> list[Callable[..., ASGIApp]]:
    """Connexion's default stack less what this service does not use, with our layers in place of some.

    The order, outermost first, and why; a layer added later goes where its reason puts it:
    - TracingMiddleware, when an OTLP endpoint is set: outermost, so that every layer below runs inside
      the request's span and the access line can carry its ids.
    - AccessLog, when ACCESS_LOG is on: the line for every answer the layers below gave.
    - MetricsMiddleware: counts and times every answer, the 500s of ProblemMiddleware included; inside the
      span, so that a traced request's latency can carry its trace id as an exemplar.
    - ChatRoutes: WebSocket connections go straight to the chat: Connexion's layers serve HTTP only.
    - ProblemMiddleware: every failure under it answered as a problem document; it takes the place of
      Starlette's ServerErrorMiddleware and Connexion's ExceptionMiddleware.
    - RequestLimits: a body too large or too slow is refused before anything reads it.
    - DocsMiddleware: /ui and /openapi.json, kept off the API's hot path.
    - Router: the operation the contract maps the request to, or none.
    - BearerSecurity, when the server has tokens: after the router, which says which operation the
      request is for and so whether it needs one; before anything reads the body or validates it, so that
      a client without a token learns nothing of the contract but that it needs one. It takes the place
      of Connexion's SecurityMiddleware (server/contract/security.py says why).
    - ResponseValidationMiddleware, in tests and wherever VALIDATE_RESPONSES asks: it buffers and
      re-validates every body.
    - LifespanMiddleware, OperationLayer (ours: validates and answers every operation, in place of
      Connexion's RequestValidationMiddleware and its per-request decoration, server/contract/operations.py),
      then ContextMiddleware for anything routing matched to no operation.
    """
    limits = partial(
        RequestLimits,
        max_body_bytes=settings.max_body_bytes,
        body_read_timeout_s=settings.body_read_timeout_s,
    )
    stack: list[Callable[..., ASGIApp]] = []
    if tracer_provider is not None:
        stack.append(partial(TracingMiddleware, tracer_provider=tracer_provider))
    if settings.access_log:
        stack.append(partial(AccessLog, log_format=settings.log_format))
    if settings.metrics:
        stack.append(partial(MetricsMiddleware, exemplars=_exemplars(settings, tracer_provider)))
    stack += [
        partial(ChatRoutes, hub=chat, tokens=tokens),
        ProblemMiddleware,
        limits,
        DocsMiddleware,
        partial(Router, declared=declared_paths(contract)),
    ]
    if tokens is not None:
        stack.append(partial(BearerSecurity, tokens=tokens))
    if settings.validate_responses:
        stack.append(ResponseValidationMiddleware)
    stack += [LifespanMiddleware, OperationLayer, ContextMiddleware]
    return stack


def _exemplars(settings: Settings, tracer_provider: TracerProvider | None) -> ExemplarRecorder | None:
    """The latency's exemplars, kept when requests are traced and the workers share a metrics directory."""
    directory = settings.prometheus_multiproc_dir
    if tracer_provider is None or directory is None:
        return None
    return ExemplarRecorder(directory, metrics.LATENCY_BUCKETS_S)


def _lifespan(settings: Settings, chat: ChatHub, tracer_provider: TracerProvider | None) -> Lifespan:
    """A worker's start-up and shut-down: its database for the handlers, the pool's sampler, the chat;
    at the end, the spans still queued for export leave."""

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[dict[str, Any]]:
        tune_garbage_collector()
        db = open_database(settings, tracer_provider)
        await db.open()
        context.register(db, settings)
        pool_sampler = asyncio.create_task(metrics.sample_pool(db))
        try:
            async with chat.running():
                yield {"db": db, "settings": settings}
        finally:
            pool_sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pool_sampler
            context.unregister()
            await db.close()
            if tracer_provider is not None:
                # uvicorn ends a SIGTERM'd worker by re-raising the signal: the SDK's exit hook would not run.
                tracer_provider.force_flush()

    return lifespan


def create_app(settings: Settings, tracer_provider: TracerProvider | None = None) -> AsyncApp:
    """The app; traced with `tracer_provider`, or with the one the OTEL_* variables configure, if any."""
    tracer_provider = tracer_provider or configured_tracer_provider()
    configured = api_tokens(settings)
    tokens = BearerTokens(configured) if configured else None
    chat = create_hub(settings, metrics.ChatMetrics(), tracer_provider)
    # As written when the server has tokens; without, open (server.contract.spec.open_contract).
    contract = load_contract(SPEC_PATH)
    served = dict(contract) if tokens is not None else open_contract(contract)
    app = AsyncApp(
        __name__,
        lifespan=_lifespan(settings, chat, tracer_provider),
        middlewares=_middlewares(settings, chat, served, tokens=tokens, tracer_provider=tracer_provider),
    )
    app.add_api(
        served,
        validate_responses=settings.validate_responses,
        strict_validation=True,
        validator_map={
            "parameter": NamedParameterValidator,
            "body": {"application/json": JsonBodyValidator},
        },
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
    )
    exposition.expose(settings.prometheus_multiproc_dir)
    return app
