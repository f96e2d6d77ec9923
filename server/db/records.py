"""Queries of the records API, as SQLAlchemy Core statements built once at import."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator, Callable, Sequence
from operator import itemgetter
from typing import NamedTuple
from uuid import UUID, uuid4

import orjson
from sqlalchemy import ARRAY, Uuid, any_, bindparam, cast, column, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql import Executable

from server.db.database import Database, Dialect, Params, Row
from server.db.errors import DuplicateKey
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

# PostgreSQL takes the whole batch as one JSON parameter, parsed by the server and given missing uuids
# there: one statement text whatever the batch size, and none of the per-element Python work that
# adapting arrays of uuids costs. Rows are inserted, and numbered, in the batch's order. Each record is a
# JSON array `[uuid or null, text]`: 10 µs for a batch of 100 as plain tuples, where a dict of each record
# (NamedTuple._asdict) took 59 µs.
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
            func.coalesce(cast(_batch_elements.c.value[0].astext, Uuid), func.gen_random_uuid()),
            _batch_elements.c.value[1].astext,
        ).order_by(_batch_elements.c.position),
    )
    .returning(records.c.id, *_columns)
)
_existing_postgres = select(*_columns).where(records.c.uuid == any_(cast(bindparam("uuids"), ARRAY(Uuid))))
# SQLite has no JSON-to-rows insert of this kind: SQLAlchemy renders the rows into multi-row VALUES.
_insert_sqlite = sqlite.insert(records).returning(records.c.id, *_columns)
_existing_sqlite = select(*_columns).where(records.c.uuid.in_(bindparam("uuids", expanding=True)))


def _batch_as_json(batch: Sequence[NewRecord]) -> Params:
    return {"batch": orjson.dumps([tuple(record) for record in batch]).decode()}


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
    """Store every record of the batch, or none of them.

    Answers the stored records in batch order: as created, or as they already were. On PostgreSQL the
    batch is one INSERT statement on its own, without BEGIN and COMMIT (two round trips, a fifth of the
    server's CPU a batch): a uuid already stored fails the statement, and with it every row. A concurrent
    insert of the same uuid makes it wait for that one to commit and then fail, so of two racing batches
    one stores and the other reads what is stored and answers a re-send or a conflict. On SQLite
    SQLAlchemy may split the rows over several statements, so they run in a transaction.
    """
    given = [record.uuid for record in batch if record.uuid is not None]
    if len(set(given)) != len(given):
        return BatchOutcome.CONFLICT, []
    insert, batch_params = _insert_batch[db.dialect]
    try:
        async with db.write() if db.dialect == "postgresql" else db.transaction() as queries:
            inserted = await queries.all(insert, batch_params(batch))
    except DuplicateKey:
        return await _resent_or_conflict(db, batch, given)
    # Rows (id, uuid, text) sort by their id, which numbers them in the batch's order.
    return BatchOutcome.CREATED, [Record(uuid, text) for _, uuid, text in sorted(inserted, key=itemgetter(0))]


async def _resent_or_conflict(
    db: Database, batch: Sequence[NewRecord], given: list[str]
) -> tuple[BatchOutcome, list[Record]]:
    """A batch that stored nothing because a uuid of it is stored: a re-send if it all is, as sent."""
    if len(given) != len(batch):
        # A record without a uuid was new: the batch is not a re-send.
        return BatchOutcome.CONFLICT, []
    find_existing, uuid_params = _existing[db.dialect]
    async with db.autocommit() as queries:
        existing = await queries.all(find_existing, uuid_params(given))
    stored = {str(uuid): Record(uuid, text) for uuid, text in existing}
    sent = {record.uuid: record.text for record in batch}
    if {key: record.text for key, record in stored.items()} == sent:
        return BatchOutcome.ALREADY_STORED, [stored[uuid] for uuid in given]
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
