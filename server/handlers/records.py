"""Handlers of the records API: POST /new, GET /all, GET /{uuid}, GET /{count}, DELETE /{uuid}."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.responses import Response, StreamingResponse
from starlette.types import Message, Send

from server.db import records as store
from server.db.engine import Database
from server.lifespan import current_database, current_settings
from server.metrics import RECORDS_DELETED, RECORDS_STORED
from server.responses import json_response, problem

logger = logging.getLogger(__name__)

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
    return json_response([_as_json(record) for record in stored], status)


class _BoundedSendStream(StreamingResponse):
    """A stream that ends, visibly broken, when its reader accepts no chunk for `send_timeout_s`.

    A client that stopped reading would otherwise keep a socket and a paused stream forever. Stopping
    without the final empty chunk makes uvicorn close the connection, so the client sees a truncated
    chunked body (a transport error), never a complete-looking 200.
    """

    def __init__(self, content: AsyncIterator[bytes], send_timeout_s: float) -> None:
        super().__init__(content, media_type="application/json")
        self.send_timeout_s = send_timeout_s

    async def stream_response(self, send: Send) -> None:
        async def bounded_send(message: Message) -> None:
            async with asyncio.timeout(self.send_timeout_s):
                await send(message)

        try:
            await super().stream_response(bounded_send)
        except TimeoutError:
            logger.warning("GET /all: the client read nothing for %.0f s; stream cut", self.send_timeout_s)


async def list_all() -> Response:
    chunks = _json_array(current_database())
    # The first page is read before the 200 is sent, so that an unreachable database is a 503.
    first = await anext(chunks)
    send_timeout_s = current_settings().stream_send_timeout_s
    return _BoundedSendStream(_after(first, chunks), send_timeout_s)


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
    return json_response([_as_json(record) for record in await store.oldest_records(db, int(key))])


async def delete_by_key(key: str) -> Response:
    record = await store.delete_record(current_database(), uuid.UUID(key))
    if record is None:
        return _not_found(key)
    RECORDS_DELETED.inc()
    return json_response(_as_json(record))


def _not_found(key: str) -> Response:
    return problem(404, f"no record with uuid {key}")
