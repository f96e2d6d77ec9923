"""The app in-process on PostgreSQL traced into the SDK's in-memory exporter; a server exporting over OTLP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.testclient import TestClient

from devtools.otlp import OtlpReceiver
from devtools.server import ServerProcess
from server.app import create_app
from server.config.settings import Settings
from server.db import migrations
from tests.utils.database import empty_tables


@pytest.fixture(scope="session")
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture(scope="session")
def traced_url(empty_database: Callable[[str, str], str]) -> str:
    url = empty_database("postgresql", "service_traced")
    migrations.upgrade(url)
    return url


@pytest.fixture(scope="session")
def _traced_client(traced_url: str, exporter: InMemorySpanExporter) -> Iterator[TestClient]:
    # Spans leave at once, in the order they end: what a test reads is complete when its request returns.
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    settings = Settings(database_url=traced_url, log_level="warning", db_pool_size=4, validate_responses=True)
    with create_app(settings, tracer_provider=provider).test_client() as client:
        yield client


@pytest.fixture
def traced_client(_traced_client: TestClient, traced_url: str, exporter: InMemorySpanExporter) -> TestClient:
    """The app traced on an emptied PostgreSQL database, with no span exported yet."""
    empty_tables(traced_url)
    exporter.clear()
    return _traced_client


@pytest.fixture(scope="module")
def otlp_receiver() -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def exporting_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("exporting") / "server.log"


@pytest.fixture(scope="module")
def exporting_server(
    traced_url: str, otlp_receiver: OtlpReceiver, exporting_log: Path
) -> Iterator[ServerProcess]:
    """`python -m server` exporting to the receiver, as the OTEL_* variables of a deployment set it up."""
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_receiver.endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_SERVICE_NAME": "records-shop-under-test",
        # The batch leaves within 50 ms rather than the default 5 s.
        "OTEL_BSP_SCHEDULE_DELAY": "50",
        "LOG_FORMAT": "json",
        "ACCESS_LOG": "true",
    }
    with ServerProcess(traced_url, env=env, log_path=exporting_log) as server:
        yield server
