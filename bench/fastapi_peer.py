"""The FastAPI peer: the records API as a FastAPI user writes it, what ours is compared with in `make bench`.

Pydantic models for the bodies with the contract's constraints, `response_model` on every route,
`HTTPException` for a missing record, the pool reached through a dependency: the way FastAPI's tutorial
writes an API. It runs the yardstick's SQL on the same psycopg pool, under uvicorn with no access log,
and tunes the garbage collector as the service and the yardstick do, so that the comparison is of the
frameworks. Run it with `python -m bench.fastapi_peer --port N --pool-size N` and DATABASE_URL set.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated
from uuid import UUID

import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Path, Request
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, Field, TypeAdapter

from bench.yardstick import DELETE_ONE, INSERT_BATCH, SELECT_OLDEST, SELECT_ONE, UUID_LENGTH, open_pool

# The contract's key: a uuid in its 8-4-4-4-12 form, or a count from 0 to 10000.
KEY_PATTERN = (
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9]{1,4}|10000)$"
)
Text = Annotated[str, Field(max_length=1000, pattern=r"^[^\x00]*$")]


class NewRecord(BaseModel):
    uuid: UUID | None = None
    text: Text


class Record(BaseModel):
    uuid: UUID
    text: Text


NewRecordBatch = Annotated[list[NewRecord], Field(min_length=1, max_length=1000)]
_BATCH_JSON = TypeAdapter(list[NewRecord])


def get_pool(request: Request) -> AsyncConnectionPool:
    pool: AsyncConnectionPool = request.app.state.pool
    return pool


Pool = Annotated[AsyncConnectionPool, Depends(get_pool)]


def create_app(pool_size: int) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_pool(pool_size) as pool:
            app.state.pool = pool
            yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/new", response_model=list[Record], status_code=201)
    async def create_batch(batch: NewRecordBatch, pool: Pool) -> list[Record]:
        body = _BATCH_JSON.dump_json(batch, exclude_none=True).decode()
        async with pool.connection() as connection:
            rows = await (await connection.execute(INSERT_BATCH, (body,))).fetchall()
        return [Record(uuid=u, text=t) for _, u, t in sorted(rows)]

    @app.get("/{key}", response_model=Record | list[Record])
    async def get_by_key(key: Annotated[str, Path(pattern=KEY_PATTERN)], pool: Pool) -> Record | list[Record]:
        async with pool.connection() as connection:
            if len(key) == UUID_LENGTH:
                row = await (await connection.execute(SELECT_ONE, (UUID(key),))).fetchone()
                if row is None:
                    raise HTTPException(status_code=404, detail=f"no record with uuid {key}")
                return Record(uuid=row[0], text=row[1])
            rows = await (await connection.execute(SELECT_OLDEST, (int(key),))).fetchall()
        return [Record(uuid=u, text=t) for u, t in rows]

    @app.delete("/{key}", response_model=Record)
    async def delete_by_key(key: UUID, pool: Pool) -> Record:
        async with pool.connection() as connection:
            row = await (await connection.execute(DELETE_ONE, (key,))).fetchone()
        if row is None:
            raise HTTPException(status_code=404, detail=f"no record with uuid {key}")
        return Record(uuid=row[0], text=row[1])

    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fastapi_peer", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pool-size", type=int, required=True, help="database connections (fixed)")
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.pool_size), host="127.0.0.1", port=args.port, log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main()
