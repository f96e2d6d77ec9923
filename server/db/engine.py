"""The per-process database handle: a connection pool and the way queries run on it.

Queries are SQLAlchemy Core statements. On SQLite they run through SQLAlchemy's async engine. On
PostgreSQL each statement is compiled once for psycopg and run on a psycopg connection pool: SQLAlchemy's
async adaption (a greenlet hop, pool events and result processing around every call) costs about four
times the query itself at our request rates, and psycopg already returns the Python types we serve.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, cast

import psycopg
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql import ClauseElement, Executable

from server.db.urls import async_url

SQLITE_BUSY_TIMEOUT_MS = 10_000
POOL_TIMEOUT_S = 5.0

Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
Row = Sequence[Any]


class Queries(abc.ABC):
    """Run Core statements on one connection; rows come back as tuples."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def _count(self) -> None:
        self._database.statements_executed += 1

    @abc.abstractmethod
    async def all(self, statement: Executable, params: Params = None) -> list[Row]: ...

    async def one(self, statement: Executable, params: Params = None) -> Row | None:
        rows = await self.all(statement, params)
        return rows[0] if rows else None

    @abc.abstractmethod
    def stream(self, statement: Executable, chunk_rows: int) -> AsyncIterator[Sequence[Row]]: ...


@dataclass(frozen=True)
class PoolStats:
    """The connection pool now, and the waits it has caused since it opened (for server.metrics)."""

    size: int
    in_use: int
    waiting: int
    waits: int = 0
    wait_seconds: float = 0.0


class Database(abc.ABC):
    dialect: str
    # Every statement sent, so that tests and metrics can see how many a request costs.
    statements_executed: int = 0

    @abc.abstractmethod
    def autocommit(self) -> AbstractAsyncContextManager[Queries]:
        """A connection whose every statement commits on its own: reads and single-statement writes."""

    def write(self) -> AbstractAsyncContextManager[Queries]:
        """Like autocommit, for a single statement that writes."""
        return self.autocommit()

    @abc.abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Queries]:
        """A transaction that commits when the block ends and rolls back when it raises."""

    @abc.abstractmethod
    def snapshot(self) -> AbstractAsyncContextManager[Queries]:
        """A connection on which a long read sees one snapshot without blocking writers."""

    async def ping(self) -> None:
        async with self.autocommit() as queries:
            await queries.all(text("SELECT 1"))

    @abc.abstractmethod
    def pool_stats(self) -> PoolStats: ...

    @abc.abstractmethod
    async def open(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...


def open_database(database_url: str | None, pool_size: int) -> Database:
    url = async_url(database_url)
    if url.get_backend_name() == "postgresql":
        return PostgresDatabase(url.set(drivername="postgresql").render_as_string(False), pool_size)
    return SqliteDatabase(create_async_engine(url))


class _PsycopgQueries(Queries):
    # SQLAlchemy's dialect constructors are untyped.
    _dialect = PGDialect_psycopg()  # type: ignore[no-untyped-call]
    # Statements are module-level constants: compile each once, holding it so its id stays unique.
    _compiled: ClassVar[dict[int, tuple[Executable, str, dict[str, Any], bool | None]]] = {}

    def __init__(self, database: Database, connection: psycopg.AsyncConnection[Any]) -> None:
        super().__init__(database)
        self._connection = connection

    @classmethod
    def _sql(cls, statement: Executable, params: Params) -> tuple[str, dict[str, Any], bool | None]:
        entry = cls._compiled.get(id(statement))
        if entry is None:
            # No column_keys: an INSERT renders only the values it names, the rest take their defaults.
            compiled = cast(ClauseElement, statement).compile(dialect=cls._dialect, column_keys=[])
            # A statement whose best plan depends on its values asks with `execution_options(prepare=False)`
            # to be planned on every call: a prepared statement falls back to one generic plan.
            prepare = statement.get_execution_options().get("prepare")
            entry = (statement, str(compiled), dict(compiled.params), prepare)
            cls._compiled[id(statement)] = entry
        _, sql, defaults, prepare = entry
        if params is None:
            return sql, defaults, prepare
        if not isinstance(params, Mapping):
            raise TypeError("psycopg statements take one mapping of parameters")
        return sql, {**defaults, **params} if defaults else dict(params), prepare

    async def all(self, statement: Executable, params: Params = None) -> list[Row]:
        self._count()
        sql, values, prepare = self._sql(statement, params)
        cursor = await self._connection.execute(sql, values, prepare=prepare)
        return await cursor.fetchall() if cursor.description else []

    async def one(self, statement: Executable, params: Params = None) -> Row | None:
        self._count()
        sql, values, prepare = self._sql(statement, params)
        cursor = await self._connection.execute(sql, values, prepare=prepare)
        return await cursor.fetchone()

    async def stream(self, statement: Executable, chunk_rows: int) -> AsyncIterator[Sequence[Row]]:
        self._count()
        sql, values, _ = self._sql(statement, None)
        async with self._connection.cursor(name="stream") as cursor:
            await cursor.execute(sql, values)
            while chunk := await cursor.fetchmany(chunk_rows):
                yield chunk


class _Borrowed:
    """A pooled autocommit connection for one block: the hot path of every read and one-statement write.

    The pool's own `connection()` nests two generator-based context managers and the connection's
    transaction exit, which an autocommit connection does not need; under wrk on GET /{uuid} they were
    ~5% of the server's CPU. `putconn` still checks the connection and discards a broken one.
    """

    __slots__ = ("_connection", "_database", "_pool")

    def __init__(self, database: Database, pool: AsyncConnectionPool[Any]) -> None:
        self._database = database
        self._pool = pool
        self._connection: psycopg.AsyncConnection[Any] | None = None

    async def __aenter__(self) -> Queries:
        self._connection = await self._pool.getconn()
        return _PsycopgQueries(self._database, self._connection)

    async def __aexit__(self, *_exc: object) -> None:
        assert self._connection is not None
        await self._pool.putconn(self._connection)


class PostgresDatabase(Database):
    dialect = "postgresql"

    def __init__(self, conninfo: str, pool_size: int) -> None:
        self._pool = AsyncConnectionPool(
            conninfo,
            min_size=pool_size,
            max_size=pool_size,
            kwargs={"autocommit": True},
            timeout=POOL_TIMEOUT_S,
            open=False,
        )

    def pool_stats(self) -> PoolStats:
        stats = self._pool.get_stats()
        return PoolStats(
            size=stats["pool_size"],
            in_use=stats["pool_size"] - stats["pool_available"],
            waiting=stats["requests_waiting"],
            # psycopg_pool counts these from the first occurrence on: absent until a request waits.
            waits=stats.get("requests_queued", 0),
            wait_seconds=stats.get("requests_wait_ms", 0) / 1000,
        )

    async def open(self) -> None:
        # Not waiting: the server comes up while the database is away, and /readyz says so.
        await self._pool.open(wait=False)

    async def close(self) -> None:
        await self._pool.close()

    def autocommit(self) -> AbstractAsyncContextManager[Queries]:
        return _Borrowed(self, self._pool)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Queries]:
        async with self._pool.connection() as connection, connection.transaction():
            yield _PsycopgQueries(self, connection)

    def snapshot(self) -> AbstractAsyncContextManager[Queries]:
        # Server-side cursors live inside a transaction.
        return self.transaction()


class _SqlAlchemyQueries(Queries):
    def __init__(self, database: Database, connection: AsyncConnection) -> None:
        super().__init__(database)
        self._connection = connection

    async def all(self, statement: Executable, params: Params = None) -> list[Row]:
        self._count()
        result = await self._connection.execute(statement, params)
        return list(result.all()) if result.returns_rows else []

    async def stream(self, statement: Executable, chunk_rows: int) -> AsyncIterator[Sequence[Row]]:
        self._count()
        result = await self._connection.stream(statement.execution_options(yield_per=chunk_rows))
        async for chunk in result.partitions(chunk_rows):
            yield chunk


class SqliteDatabase(Database):
    """SQLite through aiosqlite, set up so that the insert and delete loops can write at once.

    WAL lets readers run beside a writer. SQLite takes one writer at a time: writers of this process
    queue on an asyncio lock, since SQLite's own busy handler waits by sleeping up to 100 ms a try; the
    busy timeout still covers writers in other processes instead of failing with "database is locked".
    The stdlib driver's own transaction handling is switched off so that transactions start with
    BEGIN IMMEDIATE: a deferred transaction that later upgrades to a write lock fails at once.
    """

    dialect = "sqlite"

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

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[Queries]:
        async with self._autocommit.connect() as connection:
            yield _SqlAlchemyQueries(self, connection)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Queries]:
        async with self._write_lock, self._autocommit.connect() as connection:
            yield _SqlAlchemyQueries(self, connection)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Queries]:
        async with self._write_lock, self._engine.begin() as connection:
            yield _SqlAlchemyQueries(self, connection)

    def snapshot(self) -> AbstractAsyncContextManager[Queries]:
        # A single SELECT is its own snapshot in WAL mode; a transaction would be BEGIN IMMEDIATE and
        # shut writers out for as long as the stream runs.
        return self.autocommit()
