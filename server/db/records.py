"""Queries of the records API, as SQLAlchemy Core statements compiled once and cached."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Sequence
from typing import NamedTuple
from uuid import UUID

from sqlalchemy import bindparam, delete, select
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


_select_one = select(records.c.uuid, records.c.text).where(records.c.uuid == bindparam("uuid"))
_select_oldest = select(records.c.uuid, records.c.text).order_by(records.c.id).limit(bindparam("count"))
_select_all = select(records.c.uuid, records.c.text).order_by(records.c.id)
_select_existing = select(records.c.uuid, records.c.text).where(
    records.c.uuid.in_(bindparam("uuids", expanding=True))
)
_delete_one = (
    delete(records).where(records.c.uuid == bindparam("target")).returning(records.c.uuid, records.c.text)
)
_insert_new = {
    # ON CONFLICT DO NOTHING waits for a concurrent insert of the same uuid instead of failing, so two
    # racing batches never raise a unique violation: one stores, the other sees the row and answers 409.
    name: insert(records).on_conflict_do_nothing(index_elements=[records.c.uuid]).returning(records.c.uuid)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


async def store_batch(db: Database, batch: Sequence[Record]) -> BatchOutcome:
    """Store every record of the batch in one multi-row INSERT, or none of them."""
    uuids = [record.uuid for record in batch]
    if len(set(uuids)) != len(uuids):
        return BatchOutcome.CONFLICT
    rows = [{"uuid": record.uuid, "text": record.text} for record in batch]
    try:
        async with db.engine.begin() as connection:
            inserted = (await connection.execute(_insert_new[db.dialect], rows)).all()
            if len(inserted) == len(rows):
                return BatchOutcome.CREATED
            if inserted:
                raise _Conflict
            existing = await connection.execute(_select_existing, {"uuids": uuids})
            if dict(existing.all()) == {record.uuid: record.text for record in batch}:
                return BatchOutcome.ALREADY_STORED
            raise _Conflict
    except _Conflict:
        return BatchOutcome.CONFLICT


async def get_record(db: Database, uuid: UUID) -> Record | None:
    async with db.autocommit.connect() as connection:
        row = (await connection.execute(_select_one, {"uuid": uuid})).first()
    return None if row is None else Record(*row)


async def oldest_records(db: Database, count: int) -> list[Record]:
    async with db.autocommit.connect() as connection:
        rows = (await connection.execute(_select_oldest, {"count": count})).all()
    return [Record(*row) for row in rows]


async def delete_record(db: Database, uuid: UUID) -> Record | None:
    """Delete and return the record; of several concurrent deletes exactly one gets it."""
    async with db.autocommit.connect() as connection:
        row = (await connection.execute(_delete_one, {"target": uuid})).first()
    return None if row is None else Record(*row)


async def stream_all_records(db: Database) -> AsyncIterator[Sequence[Record]]:
    """Every record, oldest first, in chunks read through a server-side cursor."""
    async with db.snapshot() as connection:
        result = await connection.stream(_select_all.execution_options(yield_per=STREAM_CHUNK_ROWS))
        async for chunk in result.partitions(STREAM_CHUNK_ROWS):
            yield chunk
