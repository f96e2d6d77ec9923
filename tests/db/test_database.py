"""The data layer's database handle: transactions and unique violations, alike on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

import pytest
from sqlalchemy import bindparam, func, insert, select

from server.config.settings import Settings
from server.db.connect import open_database
from server.db.database import Database
from server.db.errors import DuplicateKey
from server.db.models import records

FIRST = UUID("00000000-0000-4000-8000-000000000001")
SECOND = UUID("00000000-0000-4000-8000-000000000002")
_insert = insert(records).values(uuid=bindparam("uuid"), text=bindparam("text"))
_count = select(func.count()).select_from(records)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = open_database(Settings(database_url=database_url))
    await database.open()
    yield database
    await database.close()


async def _stored(db: Database) -> int:
    async with db.autocommit() as queries:
        row = await queries.one(_count)
    assert row is not None
    return int(row[0])


async def test_a_transaction_that_raises_stores_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError, match="undo"):
        async with db.transaction() as queries:
            await queries.all(_insert, {"uuid": FIRST, "text": "first"})
            raise RuntimeError("undo")
    assert await _stored(db) == 0


async def test_a_transaction_that_ends_stores_its_rows(db: Database) -> None:
    async with db.transaction() as queries:
        await queries.all(_insert, {"uuid": FIRST, "text": "first"})
        await queries.all(_insert, {"uuid": SECOND, "text": "second"})
    assert await _stored(db) == 2


async def test_a_stored_key_stored_again_raises_duplicate_key(db: Database) -> None:
    async with db.write() as queries:
        await queries.all(_insert, {"uuid": FIRST, "text": "first"})
    with pytest.raises(DuplicateKey):
        async with db.write() as queries:
            await queries.one(_insert, {"uuid": FIRST, "text": "again"})
    assert await _stored(db) == 1
