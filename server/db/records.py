"""Queries of the records API, as SQLAlchemy Core statements built once at import."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Sequence
from typing import NamedTuple
from uuid import UUID

from sqlalchemy import ARRAY, String, Uuid, any_, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from server.db.engine import Database
from server.db.models import records

STREAM_CHUNK_ROWS = 5000


class Record(NamedTuple):
    uuid: UUID
    text: str


class BatchOutcome(enum.Enum):
    CREATED = "created"
    ALREADY_STORED = "already stored"
    CONFLICT = "conflict"


class _Conflict(Exception):
    """Raised inside the batch transaction to roll it back."""


_columns = (records.c.uuid, records.c.text)
_select_one = select(*_columns).where(records.c.uuid == bindparam("uuid"))
_select_oldest = select(*_columns).order_by(records.c.id).limit(bindparam("count"))
_select_all = select(*_columns).order_by(records.c.id)
_delete_one = delete(records).where(records.c.uuid == bindparam("uuid")).returning(*_columns)

# ON CONFLICT DO NOTHING waits for a concurrent insert of the same uuid instead of failing, so two racing
# batches never raise a unique violation: one stores, the other sees the rows and answers 409 (or 200).
# PostgreSQL takes the whole batch as two arrays, one statement text whatever the batch size, so it is
# prepared once; rows are inserted, and numbered, in array order.
_insert_postgres = (
    postgresql.insert(records)
    .from_select(
        ["uuid", "text"],
        select(
            func.unnest(bindparam("uuids", type_=ARRAY(Uuid))),
            func.unnest(bindparam("texts", type_=ARRAY(String))),
        ),
    )
    .on_conflict_do_nothing(index_elements=[records.c.uuid])
    .returning(records.c.uuid)
)
_existing_postgres = select(*_columns).where(records.c.uuid == any_(bindparam("uuids", type_=ARRAY(Uuid))))
# SQLite has no arrays: SQLAlchemy renders the rows into one multi-row VALUES and expands the IN list.
_insert_sqlite = (
    sqlite.insert(records).on_conflict_do_nothing(index_elements=[records.c.uuid]).returning(records.c.uuid)
)
_existing_sqlite = select(*_columns).where(records.c.uuid.in_(bindparam("uuids", expanding=True)))


async def store_batch(db: Database, batch: Sequence[Record]) -> BatchOutcome:
    """Store every record of the batch in one multi-row INSERT, or none of them."""
    uuids = [record.uuid for record in batch]
    if len(set(uuids)) != len(uuids):
        return BatchOutcome.CONFLICT
    try:
        async with db.transaction() as queries:
            if db.dialect == "postgresql":
                texts = [record.text for record in batch]
                inserted = await queries.all(_insert_postgres, {"uuids": uuids, "texts": texts})
            else:
                rows = [record._asdict() for record in batch]
                inserted = await queries.all(_insert_sqlite, rows)
            if len(inserted) == len(batch):
                return BatchOutcome.CREATED
            if inserted:
                raise _Conflict
            existing_statement = _existing_postgres if db.dialect == "postgresql" else _existing_sqlite
            existing = await queries.all(existing_statement, {"uuids": uuids})
            if dict(existing) == {record.uuid: record.text for record in batch}:
                return BatchOutcome.ALREADY_STORED
            raise _Conflict
    except _Conflict:
        return BatchOutcome.CONFLICT


async def get_record(db: Database, uuid: UUID) -> Record | None:
    async with db.autocommit() as queries:
        row = await queries.one(_select_one, {"uuid": uuid})
    return None if row is None else Record(*row)


async def oldest_records(db: Database, count: int) -> list[Record]:
    async with db.autocommit() as queries:
        rows = await queries.all(_select_oldest, {"count": count})
    return [Record(*row) for row in rows]


async def delete_record(db: Database, uuid: UUID) -> Record | None:
    """Delete and return the record; of several concurrent deletes exactly one gets it."""
    async with db.write() as queries:
        row = await queries.one(_delete_one, {"uuid": uuid})
    return None if row is None else Record(*row)


async def stream_all_records(db: Database) -> AsyncIterator[Sequence[Record]]:
    """Every record, oldest first, in chunks read through a server-side cursor."""
    async with db.snapshot() as queries:
        async for chunk in queries.stream(_select_all, STREAM_CHUNK_ROWS):
            yield [Record(*row) for row in chunk]
