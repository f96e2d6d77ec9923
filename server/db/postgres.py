"""PostgreSQL through a psycopg pool: the data layer's interface (server.db.database) for production.

Queries are SQLAlchemy Core statements, each compiled once for psycopg and run on a psycopg connection
pool: SQLAlchemy's async adaption (a greenlet hop, pool events and result processing around every call)
costs about four times the query itself at our request rates, and psycopg already returns the Python
types we serve.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import select
import socket
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, cast

import psycopg
import psycopg_pool
from psycopg.pq import ConnStatus
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.sql import ClauseElement, Executable

from server.common.built_once import BuiltOnce
from server.config.settings import Settings
from server.db.database import Database, Dialect, Params, PoolStats, Queries, Row
from server.db.errors import DatabaseUnavailable, Deadlock, DuplicateKey
from server.db.tracing import DatabaseTracing

logger = logging.getLogger(__name__)

# How long a request waits for a pooled connection before it answers 503.
POOL_TIMEOUT_S = 5.0
# The client-side deadline of a checkout is the server-side statement_timeout plus this margin, so that a
# live server always reports its own timeout first and the deadline only fires on a frozen or lost one.
DEADLINE_MARGIN_S = 1.0
# A transaction left idle (a client that stopped mid-way) is ended by PostgreSQL after this long.
IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000
# How the request pool's connections show in pg_stat_activity (the chat's have their own name).
APPLICATION_NAME = "records-shop"
# New connections give up on an unanswering server after this long (libpq's connect_timeout, seconds).
CONNECT_TIMEOUT_S = 3

# What psycopg raises when the server is out of reach, restarting, severed or past statement_timeout
# (QueryCanceled is an OperationalError): raised on as DatabaseUnavailable when a checkout ends.
_UNAVAILABLE: tuple[type[Exception], ...] = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg_pool.PoolTimeout,
    ConnectionError,
)


# A statement as psycopg runs it: SQL text and default parameter values.
_Compiled = tuple[str, dict[str, Any]]
# SQLAlchemy's dialect constructors are untyped.
_POSTGRES_DIALECT = PGDialect_psycopg()  # type: ignore[no-untyped-call]


def _compile(statement: Executable) -> _Compiled:
    # No column_keys: an INSERT renders only the values it names, the rest take their defaults.
    compiled = cast(ClauseElement, statement).compile(dialect=_POSTGRES_DIALECT, column_keys=[])
    return str(compiled), dict(compiled.params)


# Statements are module-level constants: each is compiled once.
_compiled = BuiltOnce(_compile)


class _PsycopgQueries(Queries):
    def __init__(
        self, database: Database, connection: psycopg.AsyncConnection[Any], tracing: DatabaseTracing | None
    ) -> None:
        super().__init__(database)
        self._connection = connection
        self._tracing = tracing

    @staticmethod
    def _sql(statement: Executable, params: Params) -> _Compiled:
        sql, defaults = _compiled(statement)
        if params is None:
            return sql, defaults
        if not isinstance(params, Mapping):
            raise TypeError("psycopg statements take one mapping of parameters")
        return sql, {**defaults, **params} if defaults else dict(params)

    async def _execute(self, statement: Executable, params: Params) -> psycopg.AsyncCursor[Any]:
        self._count()
        sql, values = self._sql(statement, params)
        if self._tracing is None:
            return await self._send(sql, values)
        with self._tracing.statement(sql):
            return await self._send(sql, values)

    async def _send(self, sql: str, values: Any) -> psycopg.AsyncCursor[Any]:
        try:
            return await self._connection.execute(sql, values)
        except psycopg.errors.UniqueViolation as error:
            raise DuplicateKey(error.diag.constraint_name) from error
        except psycopg.errors.DeadlockDetected as error:
            raise Deadlock(error) from error

    async def all(self, statement: Executable, params: Params = None) -> list[Row]:
        cursor = await self._execute(statement, params)
        # Whether the statement returns rows, without building `description`'s column objects.
        result = cursor.pgresult
        return await cursor.fetchall() if result is not None and result.nfields else []

    async def one(self, statement: Executable, params: Params = None) -> Row | None:
        cursor = await self._execute(statement, params)
        return await cursor.fetchone()


def _is_stale(connection: psycopg.AsyncConnection[Any]) -> bool:
    """Whether an idle pooled connection was closed by the server, found without a round trip.

    An idle connection has nothing to read unless the server spoke: after a restart or a termination it
    sent an error (`AdminShutdown`) and closed. One `select` costs microseconds, where psycopg_pool's own
    check is a round trip per checkout. A plain function: this runs on every checkout.
    """
    if connection.closed or connection.pgconn.status != ConnStatus.OK:
        return True
    readable, _, _ = select.select([connection.pgconn.socket], [], [], 0)
    return bool(readable)


def _sever(connection: psycopg.AsyncConnection[Any], deadline_s: float) -> None:
    """End a call on a connection that outlived its deadline, at once.

    Cancelling the waiting task instead makes psycopg ask the server to cancel the query and wait for it,
    up to 10 s more on a frozen server (`/readyz` took 12 s with a 2 s timeout). Shutting the socket down
    makes the pending read end with an error now, and the pool discards the connection.
    """
    logger.warning("a database call outlived its %.1f s deadline: closing its connection", deadline_s)
    try:
        descriptor = os.dup(connection.pgconn.socket)
    except (OSError, psycopg.OperationalError):
        return
    with socket.socket(fileno=descriptor) as sock, contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class PostgresDatabase(Database):
    """A psycopg pool that grows with load up to DB_POOL_SIZE and shrinks back when idle.

    Every connection runs with a server-side statement_timeout and an idle-in-transaction timeout, and
    every checkout with a client-side deadline that cuts the connection if the server stops answering.
    A stale connection (the server restarted since it was last used) is found and replaced at checkout.
    With `tracing`, each checkout runs in a pool-wait span and each statement gets a span of its own.
    """

    dialect: Dialect = "postgresql"

    def __init__(self, conninfo: str, settings: Settings, tracing: DatabaseTracing | None = None) -> None:
        statement_timeout_ms = round(settings.db_statement_timeout_s * 1000)
        self._deadline_s = settings.db_statement_timeout_s + DEADLINE_MARGIN_S
        self._tracing = tracing
        self._pool = AsyncConnectionPool(
            conninfo,
            min_size=min(settings.db_pool_min_size, settings.db_pool_size),
            max_size=settings.db_pool_size,
            max_idle=settings.db_pool_max_idle_s,
            kwargs={
                "autocommit": True,
                "application_name": APPLICATION_NAME,
                "connect_timeout": CONNECT_TIMEOUT_S,
                "options": f"-c statement_timeout={statement_timeout_ms} "
                f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_TIMEOUT_MS}",
            },
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

    async def _checkout(self, timeout_s: float) -> psycopg.AsyncConnection[Any]:
        # Every stale connection met is discarded (the pool opens a replacement), so after an outage the
        # first request flushes them all and is served on a fresh connection instead of answering 503.
        for _ in range(self._pool.max_size + 1):
            connection = await self._pool.getconn(timeout_s)
            if not _is_stale(connection):
                return connection
            # Closed, so that the pool discards it and opens a replacement.
            await connection.close()
            await self._pool.putconn(connection)
        return await self._pool.getconn(timeout_s)

    async def _traced_checkout(
        self, tracing: DatabaseTracing, timeout_s: float
    ) -> psycopg.AsyncConnection[Any]:
        """A checkout that records a pool-wait span if psycopg_pool queued it (no connection was free)."""
        queued = self._pool.get_stats().get("requests_queued", 0)
        started_ns = time.time_ns()
        error: BaseException | None = None
        try:
            return await self._checkout(timeout_s)
        except BaseException as failure:
            error = failure
            raise
        finally:
            if self._pool.get_stats().get("requests_queued", 0) != queued:
                tracing.pool_waited(started_ns, error)

    async def _lend(self, deadline_s: float) -> tuple[psycopg.AsyncConnection[Any], asyncio.TimerHandle]:
        """A connection, and the watchdog that severs it if it is still out after deadline_s."""
        timeout_s = min(deadline_s, POOL_TIMEOUT_S)
        if self._tracing is not None and self._tracing.recording():
            connection = await self._traced_checkout(self._tracing, timeout_s)
        else:
            connection = await self._checkout(timeout_s)
        watchdog = asyncio.get_running_loop().call_later(deadline_s, _sever, connection, deadline_s)
        return connection, watchdog

    async def _take_back(
        self, connection: psycopg.AsyncConnection[Any], watchdog: asyncio.TimerHandle
    ) -> None:
        watchdog.cancel()
        await self._pool.putconn(connection)

    @asynccontextmanager
    async def _connection(
        self, deadline_s: float | None = None
    ) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        connection, watchdog = await self._lend(deadline_s or self._deadline_s)
        try:
            yield connection
        finally:
            await self._take_back(connection, watchdog)

    def autocommit(self) -> AbstractAsyncContextManager[Queries]:
        return _Autocommit(self)

    async def ping(self, deadline_s: float) -> None:
        try:
            async with self._connection(deadline_s) as connection:
                await connection.execute("SELECT 1")
        except _UNAVAILABLE as error:
            raise DatabaseUnavailable(error) from error

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Queries]:
        try:
            async with self._connection() as connection, connection.transaction():
                yield _PsycopgQueries(self, connection, self._tracing)
        except _UNAVAILABLE as error:
            raise DatabaseUnavailable(error) from error


class _Autocommit(_PsycopgQueries):
    """The queries of one autocommit checkout, as their own context manager.

    Every read takes this path: a class costs a third of what the generator-based context managers
    around `_connection` did (two generators entered and left per request).
    """

    _database: PostgresDatabase
    _watchdog: asyncio.TimerHandle

    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database
        self._tracing = database._tracing

    async def __aenter__(self) -> Queries:
        try:
            self._connection, self._watchdog = await self._database._lend(self._database._deadline_s)
        except _UNAVAILABLE as error:
            raise DatabaseUnavailable(error) from error
        return self

    async def __aexit__(self, _type: object, error: BaseException | None, _traceback: object) -> None:
        await self._database._take_back(self._connection, self._watchdog)
        if isinstance(error, _UNAVAILABLE):
            raise DatabaseUnavailable(error) from error
