"""SQLite through SQLAlchemy and aiosqlite: the data layer's interface (server.db.database), embedded.

The default when DATABASE_URL is unset: one file, no server to run, one process (the chat's fan-out and
the counts of the metrics are per process there).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql import Executable

from server.db.database import Database, Dialect, Params, PoolStats, Queries, Row
from server.db.errors import DatabaseUnavailable, DuplicateKey

SQLITE_BUSY_TIMEOUT_MS = 10_000

# What SQLite (Python's sqlite3) calls a unique violation; its other constraint failures stay errors.
_SQLITE_DUPLICATE_KEY = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})
# A locked or unreadable file, a closed connection, the pool's timeout: raised on as DatabaseUnavailable.
_UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeout, ConnectionError)


class _SqlAlchemyQueries(Queries):
    def __init__(self, database: Database, connection: AsyncConnection) -> None:
        super().__init__(database)
        self._connection = connection

    async def all(self, statement: Executable, params: Params = None) -> list[Row]:
        self._count()
        try:
            result = await self._connection.execute(statement, params)
        except IntegrityError as error:
            if getattr(error.orig, "sqlite_errorname", None) in _SQLITE_DUPLICATE_KEY:
                raise DuplicateKey(str(error.orig)) from error
            raise
        return list(result.all()) if result.returns_rows else []


class SqliteDatabase(Database):
    """SQLite through aiosqlite, set up so that the insert and delete loops can write at once.

    WAL lets readers run beside a writer. SQLite takes one writer at a time: writers of this process
    queue on an asyncio lock, since SQLite's own busy handler waits by sleeping up to 100 ms a try; the
    busy timeout still covers writers in other processes instead of failing with "database is locked".
    The stdlib driver's own transaction handling is switched off so that transactions start with
    BEGIN IMMEDIATE: a deferred transaction that later upgrades to a write lock fails at once.
    """

    dialect: Dialect = "sqlite"

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._write_lock = asyncio.Lock()
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

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

    def pool_stats(self) -> PoolStats:
        # SQLAlchemy's pool never makes a request wait here: writers queue on the write lock instead.
        pool = self._engine.pool
        if not isinstance(pool, QueuePool):
            return PoolStats(size=0, in_use=0, waiting=0)
        return PoolStats(size=pool.checkedin() + pool.checkedout(), in_use=pool.checkedout(), waiting=0)

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        await self._engine.dispose()

    def autocommit(self) -> AbstractAsyncContextManager[Queries]:
        return self._queries(self._autocommit.connect())

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Queries]:
        async with self._write_lock, self._queries(self._autocommit.connect()) as queries:
            yield queries

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Queries]:
        async with self._write_lock, self._queries(self._engine.begin()) as queries:
            yield queries

    @asynccontextmanager
    async def _queries(
        self, connecting: AbstractAsyncContextManager[AsyncConnection]
    ) -> AsyncIterator[Queries]:
        try:
            async with connecting as connection:
                yield _SqlAlchemyQueries(self, connection)
        except _UNAVAILABLE as error:
            raise DatabaseUnavailable(error) from error
