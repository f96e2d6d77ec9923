"""Shared fixtures: real SQLite and PostgreSQL databases, the app in-process, and live server processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine
from starlette.testclient import TestClient

from devtools.postgres import PostgresCluster, PostgresUnavailable
from devtools.server import ServerProcess
from server.config.database_url import database_target
from server.db import migrations
from tests.utils.app import app_client
from tests.utils.database import empty_tables
from tests.utils.tokens import API_TOKEN, OTHER_TOKEN

BACKENDS = ["sqlite", "postgresql"]
# Durability buys nothing in a throwaway test cluster and costs an fsync per commit.
TEST_CLUSTER_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Callable[[str], str]]:
    """Make a fresh database by name on TEST_DATABASE_URL's server, or on a cluster started here."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield lambda name: _create_database_on(external, name)
        return
    try:
        cluster = PostgresCluster(TEST_CLUSTER_SETTINGS).start()
    except PostgresUnavailable as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI: {error}")
        pytest.skip(f"PostgreSQL unavailable: {error}")
    yield cluster.create_database
    cluster.stop()


def _create_database_on(server_url: str, name: str) -> str:
    url = database_target(server_url).sync_url
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def empty_database(
    postgres_database: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str, str], str]:
    """Make an empty database of the given backend; its URL as a user would set DATABASE_URL."""

    def make(backend: str, name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp(name) / 'service.sqlite3'}"
        return postgres_database(name)

    return make


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def migrated_url(backend: str, empty_database: Callable[[str, str], str]) -> str:
    url = empty_database(backend, f"service_{backend}")
    migrations.upgrade(url)
    return url


@pytest.fixture
def database_url(migrated_url: str) -> Iterator[str]:
    """A migrated database with every table emptied before the test."""
    empty_tables(migrated_url)
    yield migrated_url


@pytest.fixture(scope="session")
def _app_client(migrated_url: str) -> Iterator[TestClient]:
    with app_client(migrated_url) as client:
        yield client


@pytest.fixture
def client(_app_client: TestClient, database_url: str) -> TestClient:
    """The app in-process, responses validated against the contract, on an emptied database."""
    return _app_client


@pytest.fixture(scope="session")
def _live_server(migrated_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp("server") / "server.log"
    with ServerProcess(migrated_url, env={"VALIDATE_RESPONSES": "true"}, log_path=log) as server:
        yield server


@pytest.fixture
def live_server(_live_server: ServerProcess, database_url: str) -> ServerProcess:
    """`python -m server` as a real process over real sockets, on an emptied database."""
    return _live_server


@pytest.fixture(scope="session")
def _secured_server(migrated_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp("secured") / "server.log"
    env = {"VALIDATE_RESPONSES": "true", "API_TOKENS": f"{OTHER_TOKEN},{API_TOKEN}"}
    with ServerProcess(migrated_url, env=env, log_path=log) as server:
        yield server


@pytest.fixture
def secured_server(_secured_server: ServerProcess, database_url: str) -> ServerProcess:
    """A live server given two tokens (API_TOKENS), API_TOKEN one of them, on an emptied database."""
    return _secured_server
