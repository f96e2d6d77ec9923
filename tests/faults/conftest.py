"""Each fault test gets a PostgreSQL cluster of its own, to stop, freeze or outlive."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

from devtools.postgres import PostgresCluster, PostgresUnavailable
from server.db import migrations


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    """A durable (fsync on) cluster with a migrated `service` database, stopped after the test."""
    try:
        cluster = PostgresCluster().start()
    except PostgresUnavailable as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI: {error}")
        pytest.skip(f"PostgreSQL unavailable: {error}")
    try:
        migrations.upgrade(cluster.create_database("service"))
        yield cluster
    finally:
        # A test that failed while the server was frozen must not leave it frozen (or unstoppable).
        with contextlib.suppress(OSError):
            cluster.thaw()
        cluster.stop()
