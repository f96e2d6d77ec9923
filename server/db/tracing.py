"""The data layer's spans: the wait for a pooled connection when there was one, and one per SQL statement.

Through the OpenTelemetry API, with the tracer provider the app hands in: the data layer sets up no SDK and
knows nothing of how spans leave the process. Both spans are opened only inside a recorded span (a sampled
request): a child of an unsampled span would be dropped too, and deciding so costs a sampling call each.

The pool-wait span is recorded only for a checkout that queued because no connection was free: one that
found a free connection waited for nothing a trace could show (10 to 20 us), and its span was one of a
sampled request's three (each about 40 us to make and 33 us to encode; a sampled request's tracing cost
about 450 us in all, measured in-process on 2026-12-02, bench/PROFILES.md).

The statement spans are ours rather than psycopg's maintained instrumentation
(opentelemetry-instrumentation-psycopg), measured in-process on `GET /{uuid}` against PostgreSQL
(2026-12-02): its traced cursor opens a span for every statement whatever the request's sampling, and
with it a request cost 110 to 140 us more CPU at 10% sampling than without tracing, 77 us more without
it. Here a statement span carries the SQL as SQLAlchemy compiled it, with `%(name)s` placeholders, and
never a parameter value, following the database semantic conventions.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Final

from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider, get_current_span
from opentelemetry.util.types import AttributeValue

POOL_WAIT_SPAN: Final = "pool wait"
DATABASE_SYSTEM: Final = "postgresql"


def operation_name(sql: str) -> str:
    """The statement's first keyword (`SELECT`, `INSERT`, ...): the span's name and `db.operation.name`."""
    head = sql.lstrip().split(None, 1)
    return head[0].upper() if head else "SQL"


class DatabaseTracing:
    """Spans for one PostgreSQL pool: `pool_waited` after a checkout that queued, `statement` per query."""

    def __init__(self, tracer_provider: TracerProvider, pool_name: str, namespace: str | None) -> None:
        self._tracer = tracer_provider.get_tracer(__name__)
        self._pool_attributes: dict[str, AttributeValue] = {
            "db.system.name": DATABASE_SYSTEM,
            "db.client.connection.pool.name": pool_name,
        }
        self._statement_attributes: dict[str, AttributeValue] = {"db.system.name": DATABASE_SYSTEM}
        if namespace:
            self._statement_attributes["db.namespace"] = namespace

    def recording(self) -> bool:
        """Whether the current request is sampled: only then does the data layer open spans."""
        return get_current_span().is_recording()

    def pool_waited(self, started_ns: int, error: BaseException | None = None) -> None:
        """A span from started_ns to now over a checkout that queued for a connection; its error, if any."""
        span = self._tracer.start_span(
            POOL_WAIT_SPAN, kind=SpanKind.INTERNAL, attributes=self._pool_attributes, start_time=started_ns
        )
        if error is not None:
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
        span.end()

    def statement(self, sql: str) -> AbstractContextManager[Span | None]:
        """A client span over one statement: its text with placeholders; an error recorded on it."""
        if not get_current_span().is_recording():
            return nullcontext()
        operation = operation_name(sql)
        attributes = {**self._statement_attributes, "db.operation.name": operation, "db.query.text": sql}
        return self._tracer.start_as_current_span(operation, kind=SpanKind.CLIENT, attributes=attributes)
