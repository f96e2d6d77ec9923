"""The per-process database handle: one async engine and its connection pool."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from server.db.urls import async_url

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Let the insert and delete loops write to one SQLite file at the same time.

    WAL lets readers run beside a writer; the busy timeout makes a writer wait for the lock instead of
    failing with "database is locked". The stdlib driver's own transaction handling is switched off so
    that writes start with BEGIN IMMEDIATE: a deferred transaction that later upgrades to a write lock
    fails at once, busy timeout or not.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Owns the engine: `engine` runs transactions, `autocommit` single statements.

    A single statement is atomic on its own, so reads and single-statement deletes skip the BEGIN and
    COMMIT round trips; both share one connection pool.
    """

    def __init__(self, database_url: str | None, pool_size: int = 32) -> None:
        url = async_url(database_url)
        options: dict[str, Any] = {}
        if url.get_backend_name() == "postgresql":
            options.update(pool_size=pool_size, max_overflow=pool_size // 2, pool_timeout=10)
        self.engine: AsyncEngine = create_async_engine(url, **options)
        if url.get_backend_name() == "sqlite":
            _configure_sqlite(self.engine)
        self.autocommit: AsyncEngine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.dialect: str = self.engine.dialect.name

    def snapshot(self) -> AsyncConnection:
        """A connection whose long read sees one consistent snapshot without blocking writers.

        PostgreSQL's server-side cursors live inside a transaction; on SQLite a single SELECT is its own
        snapshot, and a transaction would be BEGIN IMMEDIATE, which shuts writers out while it streams.
        """
        return (self.engine if self.dialect == "postgresql" else self.autocommit).connect()

    async def ping(self) -> None:
        async with self.autocommit.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
