"""Handlers of the records API: POST /new, GET /all, GET /{uuid}, GET /{count}, DELETE /{uuid}."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.responses import Response, StreamingResponse

from server.db import records as store
from server.db.engine import Database
from server.lifespan import current_database
from server.metrics import RECORDS_DELETED, RECORDS_STORED
from server.responses import json_response, problem

_UUID_LENGTH = 36


def _as_json(record: store.Record) -> dict[str, Any]:
    return {"uuid": record.uuid, "text": record.text}


async def create_batch(body: list[dict[str, str]]) -> Response:
    # The contract's pattern admits only the 8-4-4-4-12 hex form: lowercase is its canonical form.
    batch = [store.NewRecord(item["uuid"].lower() if "uuid" in item else None, item["text"]) for item in body]
    outcome, stored = await store.store_batch(current_database(), batch)
    if outcome is store.BatchOutcome.CONFLICT:
        return problem(
            409,
            "Conflict",
            "a uuid of the batch already exists with other content or repeats inside the batch; "
            "nothing was stored",
        )
    if outcome is store.BatchOutcome.CREATED:
        RECORDS_STORED.inc(len(stored))
    status = 201 if outcome is store.BatchOutcome.CREATED else 200
    return json_response([_as_json(record) for record in stored], status)


async def list_all() -> Response:
    return StreamingResponse(_json_array(current_database()), media_type="application/json")


async def _json_array(db: Database) -> AsyncIterator[bytes]:
    # Each chunk is serialised on its own and spliced into one array, so memory holds one chunk.
    separator = b"["
    async for chunk in store.stream_all_records(db):
        yield separator + orjson.dumps([_as_json(record) for record in chunk])[1:-1]
        separator = b","
    yield b"[]" if separator == b"[" else b"]"


async def get_by_key(key: str) -> Response:
    db = current_database()
    if len(key) == _UUID_LENGTH:
        record = await store.get_record(db, uuid.UUID(key))
        if record is None:
            return _not_found(key)
        return json_response(_as_json(record))
    return json_response([_as_json(record) for record in await store.oldest_records(db, int(key))])


async def delete_by_key(key: str) -> Response:
    record = await store.delete_record(current_database(), uuid.UUID(key))
    if record is None:
        return _not_found(key)
    RECORDS_DELETED.inc()
    return json_response(_as_json(record))


def _not_found(key: str) -> Response:
    return problem(404, "Not Found", f"no record with uuid {key}")
