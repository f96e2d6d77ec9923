"""The data layer's interface: a database handle, the queries run on one connection, the pool's figures.

The stores (records, items, carts) write SQLAlchemy Core statements against this interface; postgres.py
and sqlite.py implement it, and connect.py picks one from DATABASE_URL. Every failure leaves this layer
as one of its own errors (server.db.errors), never as a driver's.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.sql import Executable

# Where a query differs by database, data modules keep one entry per dialect and look up `db.dialect`.
Dialect = Literal["postgresql", "sqlite"]
Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
Row = Sequence[Any]


class Queries(abc.ABC):
    """Run Core statements on one connection; rows come back as tuples.

    A unique violation is raised as DuplicateKey, an outage as DatabaseUnavailable, whatever the database.
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    def _count(self) -> None:
        self._database.statements_executed += 1

    @abc.abstractmethod
    async def all(self, statement: Executable, params: Params = None) -> list[Row]: ...

    async def one(self, statement: Executable, params: Params = None) -> Row | None:
        rows = await self.all(statement, params)
        return rows[0] if rows else None


@dataclass(frozen=True)
class PoolStats:
    """The connection pool now, and the waits it has caused since it opened (for the metrics)."""

    size: int
    in_use: int
    waiting: int
    waits: int = 0
    wait_seconds: float = 0.0


class Database(abc.ABC):
    dialect: Dialect
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

    async def ping(self, deadline_s: float) -> None:
        """Raise unless the database answers a trivial query within deadline_s."""
        async with asyncio.timeout(deadline_s), self.autocommit() as queries:
            await queries.all(text("SELECT 1"))

    @abc.abstractmethod
    def pool_stats(self) -> PoolStats: ...

    @abc.abstractmethod
    async def open(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...
