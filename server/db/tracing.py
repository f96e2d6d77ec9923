"""The data layer's spans: the wait for a pooled connection, and one per SQL statement.

Through the OpenTelemetry API and psycopg's maintained instrumentation, with the tracer provider the app
hands in: the data layer sets up no SDK and knows nothing of how spans leave the process. The statement
spans carry the SQL as psycopg receives it, compiled by SQLAlchemy with `%(name)s` placeholders; the
instrumentation's parameter capture (`capture_parameters`) stays off, so no value reaches a span.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import psycopg
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from opentelemetry.trace import Span, SpanKind, TracerProvider

POOL_WAIT_SPAN = "pool wait"


class DatabaseTracing:
    """Spans for one PostgreSQL pool: `instrument` each new connection, `pool_wait` around each checkout."""

    def __init__(self, tracer_provider: TracerProvider, pool_name: str) -> None:
        self._provider = tracer_provider
        self._tracer = tracer_provider.get_tracer(__name__)
        self._attributes = {"db.system.name": "postgresql", "db.client.connection.pool.name": pool_name}

    async def instrument(self, connection: psycopg.AsyncConnection[Any]) -> None:
        """The pool's `configure` hook: every statement on this connection gets a client span."""
        PsycopgInstrumentor.instrument_connection(connection, tracer_provider=self._provider)

    def pool_wait(self) -> AbstractContextManager[Span]:
        """A span over the wait for a connection: near zero when one is free, the queue when none is."""
        return self._tracer.start_as_current_span(
            POOL_WAIT_SPAN, kind=SpanKind.INTERNAL, attributes=self._attributes
        )
