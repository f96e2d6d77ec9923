"""Handlers of the records API: POST /new, GET /all, GET /{uuid}, GET /{count}, DELETE /{uuid}."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.responses import Response

from server.db import records as store
from server.db.database import Database
from server.handlers.context import current_database, current_settings
from server.http.responses import json_response, problem
from server.http.streaming import BoundedSendStream
from server.observability.metrics import RECORDS_DELETED, RECORDS_STORED

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
            "a uuid of the batch already exists with other content or repeats inside the batch; "
            "nothing was stored",
        )
    if outcome is store.BatchOutcome.CREATED:
        RECORDS_STORED.inc(len(stored))
    status = 201 if outcome is store.BatchOutcome.CREATED else 200
    return json_response([{"uuid": uuid, "text": text} for uuid, text in stored], status)


async def list_all() -> Response:
    chunks = _json_array(current_database())
    # The first page is read before the 200 is sent, so that an unreachable database is a 503.
    first = await anext(chunks)
    send_timeout_s = current_settings().stream_send_timeout_s
    return BoundedSendStream(_after(first, chunks), send_timeout_s)


async def _after(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for chunk in rest:
        yield chunk


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
    oldest = await store.oldest_records(db, int(key))
    return json_response([{"uuid": uuid, "text": text} for uuid, text in oldest])


async def delete_by_key(key: str) -> Response:
    record = await store.delete_record(current_database(), uuid.UUID(key))
    if record is None:
        return _not_found(key)
    RECORDS_DELETED.inc()
    return json_response(_as_json(record))


def _not_found(key: str) -> Response:
    return problem(404, f"no record with uuid {key}")
