"""A checkout that queues for a pooled connection gets a pool-wait span over its wait; one that finds a free
connection gets none."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode, Tracer
from sqlalchemy import func, select

from server.config.settings import Settings
from server.db.connect import open_database
from server.db.database import Database
from server.db.errors import DatabaseUnavailable
from server.db.models import records
from server.db.postgres import APPLICATION_NAME
from server.db.tracing import POOL_WAIT_SPAN

HELD_S = 0.3
_count = select(func.count()).select_from(records)


@dataclass
class TracedPool:
    db: Database
    exporter: InMemorySpanExporter
    tracer: Tracer


@pytest.fixture
async def one_connection(traced_url: str) -> AsyncIterator[TracedPool]:
    """A traced pool of one connection, already open, and a tracer to open a request's span with."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # A 0.5 s statement timeout makes a checkout give up after 1.5 s (the timeout and its margin).
    settings = Settings(database_url=traced_url, db_pool_size=1, db_statement_timeout_s=0.5)
    db = open_database(settings, tracer_provider=provider)
    await db.open()
    async with db.autocommit() as queries:
        await queries.one(_count)
    yield TracedPool(db, exporter, provider.get_tracer(__name__))
    await db.close()


async def _hold(db: Database, held: asyncio.Event, seconds: float) -> None:
    async with db.autocommit() as queries:
        await queries.one(_count)
        held.set()
        await asyncio.sleep(seconds)


async def test_a_checkout_that_finds_a_free_connection_has_no_pool_wait_span(
    one_connection: TracedPool,
) -> None:
    with one_connection.tracer.start_as_current_span("request"):
        async with one_connection.db.autocommit() as queries:
            await queries.one(_count)
    names = [span.name for span in one_connection.exporter.get_finished_spans()]
    assert POOL_WAIT_SPAN not in names
    assert "request" in names


async def test_a_checkout_that_queued_has_a_pool_wait_span_over_its_wait(one_connection: TracedPool) -> None:
    held = asyncio.Event()
    holder = asyncio.create_task(_hold(one_connection.db, held, HELD_S))
    await held.wait()
    with one_connection.tracer.start_as_current_span("request") as request:
        async with one_connection.db.autocommit() as queries:
            await queries.one(_count)
    await holder
    (wait,) = [span for span in one_connection.exporter.get_finished_spans() if span.name == POOL_WAIT_SPAN]
    assert wait.parent is not None and wait.parent.span_id == request.get_span_context().span_id
    assert wait.kind == SpanKind.INTERNAL
    assert wait.start_time is not None and wait.end_time is not None
    assert (wait.end_time - wait.start_time) / 1e9 >= HELD_S / 2
    assert (wait.attributes or {})["db.client.connection.pool.name"] == APPLICATION_NAME


async def test_a_checkout_that_gave_up_waiting_has_a_failed_pool_wait_span(
    one_connection: TracedPool,
) -> None:
    held = asyncio.Event()
    holder = asyncio.create_task(_hold(one_connection.db, held, 2.5))
    await held.wait()
    with (
        one_connection.tracer.start_as_current_span("request"),
        pytest.raises(DatabaseUnavailable),
    ):
        async with one_connection.db.autocommit() as queries:
            await queries.one(_count)
    await holder
    (wait,) = [span for span in one_connection.exporter.get_finished_spans() if span.name == POOL_WAIT_SPAN]
    assert wait.status.status_code == StatusCode.ERROR
    assert [event.name for event in wait.events] == ["exception"]
