"""The app in-process, for tests that need no sockets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.testclient import TestClient

from server.app import create_app
from server.config.settings import Settings


@contextmanager
def app_client(database_url: str) -> Iterator[TestClient]:
    """The app in-process on this database, every response validated against the contract."""
    settings = Settings(
        database_url=database_url, log_level="warning", db_pool_size=8, validate_responses=True
    )
    with create_app(settings).test_client() as client:
        yield client
