"""Queries of the records API, as SQLAlchemy Core statements built once at import."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator, Callable, Sequence
from typing import NamedTuple
from uuid import UUID, uuid4

import orjson
from sqlalchemy import ARRAY, Uuid, any_, bindparam, cast, column, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql import Executable

from server.db.engine import Database, Dialect, Params, Row
from server.db.models import records

STREAM_CHUNK_ROWS = 5000


class Record(NamedTuple):
    uuid: UUID
    text: str


class NewRecord(NamedTuple):
    """A record to store; uuid in canonical (lowercase) form, or None for the database to assign."""

    uuid: str | None
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
# GET /all reads page after page by id, each page on a connection of its own: a slow reader holds no
# connection while it reads (32 clients that stopped reading held all 32 for as long as they stayed).
_select_page_after = (
    select(records.c.id, *_columns)
    .where(records.c.id > bindparam("after"))
    .order_by(records.c.id)
    .limit(bindparam("count"))
)
_delete_one = delete(records).where(records.c.uuid == bindparam("uuid")).returning(*_columns)

# ON CONFLICT DO NOTHING waits for a concurrent insert of the same uuid instead of failing, so two racing
# batches never raise a unique violation: one stores, the other sees the rows and answers 409 (or 200).
# PostgreSQL takes the whole batch as one JSON parameter, parsed by the server and given missing uuids
# there: one statement text whatever the batch size, and none of the per-element Python work that
# adapting arrays of uuids costs. Rows are inserted, and numbered, in the batch's order.
_batch_elements = (
    func.jsonb_array_elements(cast(bindparam("batch"), JSONB))
    .table_valued(column("value", JSONB), with_ordinality="position")
    .render_derived(name="element")
)
_insert_postgres = (
    postgresql.insert(records)
    .from_select(
        ["uuid", "text"],
        select(
            func.coalesce(cast(_batch_elements.c.value["uuid"].astext, Uuid), func.gen_random_uuid()),
            _batch_elements.c.value["text"].astext,
        ).order_by(_batch_elements.c.position),
    )
    .on_conflict_do_nothing(index_elements=[records.c.uuid])
    .returning(records.c.id, *_columns)
)
_existing_postgres = select(*_columns).where(records.c.uuid == any_(cast(bindparam("uuids"), ARRAY(Uuid))))
# SQLite has no JSON-to-rows insert of this kind: SQLAlchemy renders the rows into one multi-row VALUES.
_insert_sqlite = (
    sqlite.insert(records)
    .on_conflict_do_nothing(index_elements=[records.c.uuid])
    .returning(records.c.id, *_columns)
)
_existing_sqlite = select(*_columns).where(records.c.uuid.in_(bindparam("uuids", expanding=True)))


def _batch_as_json(batch: Sequence[NewRecord]) -> Params:
    return {"batch": orjson.dumps([record._asdict() for record in batch]).decode()}


def _batch_as_rows(batch: Sequence[NewRecord]) -> Params:
    return [{"uuid": UUID(r.uuid) if r.uuid else uuid4(), "text": r.text} for r in batch]


# Each statement with the way its parameters are written on that database.
_insert_batch: dict[Dialect, tuple[Executable, Callable[[Sequence[NewRecord]], Params]]] = {
    "postgresql": (_insert_postgres, _batch_as_json),
    "sqlite": (_insert_sqlite, _batch_as_rows),
}
_existing: dict[Dialect, tuple[Executable, Callable[[list[str]], Params]]] = {
    "postgresql": (_existing_postgres, lambda uuids: {"uuids": uuids}),
    "sqlite": (_existing_sqlite, lambda uuids: {"uuids": [UUID(uuid) for uuid in uuids]}),
}


async def store_batch(db: Database, batch: Sequence[NewRecord]) -> tuple[BatchOutcome, list[Record]]:
    """Store every record of the batch in one multi-row INSERT, or none of them.

    Answers the stored records in batch order: as created, or as they already were.
    """
    given = [record.uuid for record in batch if record.uuid is not None]
    if len(set(given)) != len(given):
        return BatchOutcome.CONFLICT, []
    insert, batch_params = _insert_batch[db.dialect]
    find_existing, uuid_params = _existing[db.dialect]
    try:
        async with db.transaction() as queries:
            inserted = await queries.all(insert, batch_params(batch))
            if len(inserted) == len(batch):
                in_batch_order = sorted(inserted, key=lambda row: int(row[0]))
                return BatchOutcome.CREATED, [Record(row[1], row[2]) for row in in_batch_order]
            if inserted:
                raise _Conflict
            # Nothing was new, so every record named its uuid: it is a re-send if all match.
            existing = await queries.all(find_existing, uuid_params(given))
            stored = {str(uuid): Record(uuid, text) for uuid, text in existing}
            sent = {record.uuid: record.text for record in batch}
            if {key: record.text for key, record in stored.items()} == sent:
                return BatchOutcome.ALREADY_STORED, [stored[uuid] for uuid in given]
            raise _Conflict
    except _Conflict:
        return BatchOutcome.CONFLICT, []


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


async def _page_after(db: Database, after: int) -> list[Row]:
    async with db.autocommit() as queries:
        return await queries.all(_select_page_after, {"after": after, "count": STREAM_CHUNK_ROWS})


async def stream_all_records(db: Database) -> AsyncIterator[Sequence[Record]]:
    """Every record, oldest first, in chunks of one short query each.

    Every record stored before the call is in it unless deleted before its page is read; records stored
    meanwhile may be. A page is one indexed range scan, so the table's size does not bound memory.
    """
    after = 0
    while True:
        # A reader that disconnects cancels the stream. Shielded, the page's query finishes (within its
        # deadline) and its connection returns to the pool; cancelled mid-query, psycopg's cancellation
        # was itself interrupted and the connection discarded, one per disconnecting reader.
        rows = await asyncio.shield(_page_after(db, after))
        if rows:
            yield [Record(uuid, text) for _, uuid, text in rows]
        if len(rows) < STREAM_CHUNK_ROWS:
            return
        after = rows[-1][0]
