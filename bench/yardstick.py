"""The yardstick: the four hot records operations on bare Starlette, psycopg 3 and raw SQL.

What the service's figures are divided by in `make bench`: the same answers over the same PostgreSQL and
driver, with no contract, validation or framework layers beyond what correctness needs. Run it with
`python -m bench.yardstick --port N --pool-size N` and DATABASE_URL set.
"""

from __future__ import annotations

import argparse
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import orjson
import uvicorn
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.config.runtime import tune_garbage_collector

UUID_LENGTH = 36

SELECT_ONE = "SELECT uuid, text FROM records WHERE uuid = %s"
SELECT_OLDEST = "SELECT uuid, text FROM records ORDER BY id LIMIT %s"
DELETE_ONE = "DELETE FROM records WHERE uuid = %s RETURNING uuid, text"
# The service's own insert, written out: the batch as one JSON parameter, missing uuids assigned here.
INSERT_BATCH = """
INSERT INTO records (uuid, text)
SELECT COALESCE((element.value ->> 'uuid')::uuid, gen_random_uuid()), element.value ->> 'text'
FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS element (value, position)
ORDER BY element.position
RETURNING id, uuid, text
"""


def _json(content: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type="application/json")


def _not_found() -> Response:
    return Response(b'{"title":"Not Found","status":404}', 404, media_type="application/problem+json")


def _pool(request: Request) -> AsyncConnectionPool:
    pool: AsyncConnectionPool = request.app.state.pool
    return pool


async def get_by_key(request: Request) -> Response:
    key: str = request.path_params["key"]
    async with _pool(request).connection() as connection:
        if len(key) == UUID_LENGTH:
            row = await (await connection.execute(SELECT_ONE, (uuid.UUID(key),))).fetchone()
            if row is None:
                return _not_found()
            return _json({"uuid": row[0], "text": row[1]})
        rows = await (await connection.execute(SELECT_OLDEST, (int(key),))).fetchall()
    return _json([{"uuid": u, "text": t} for u, t in rows])


async def delete_by_key(request: Request) -> Response:
    async with _pool(request).connection() as connection:
        cursor = await connection.execute(DELETE_ONE, (uuid.UUID(request.path_params["key"]),))
        row = await cursor.fetchone()
    if row is None:
        return _not_found()
    return _json({"uuid": row[0], "text": row[1]})


async def create_batch(request: Request) -> Response:
    body = await request.body()
    # One statement, as the service sends it: a uuid already stored fails it whole. The service tells a
    # re-send from a conflict then; the bench never sends either.
    async with _pool(request).connection() as connection:
        rows = await (await connection.execute(INSERT_BATCH, (body.decode(),))).fetchall()
    return _json([{"uuid": u, "text": t} for _, u, t in sorted(rows)], 201)


async def health(_request: Request) -> Response:
    return Response(b"ok")


@asynccontextmanager
async def open_pool(pool_size: int) -> AsyncIterator[AsyncConnectionPool]:
    """A fixed pool on DATABASE_URL, with the worker's start-up tuning: the peers' shared start-up."""
    # The service freezes start-up objects and raises the first GC threshold: so do its peers.
    tune_garbage_collector()
    pool = AsyncConnectionPool(
        os.environ["DATABASE_URL"],
        min_size=pool_size,
        max_size=pool_size,
        kwargs={"autocommit": True},
        open=False,
    )
    await pool.open()
    try:
        yield pool
    finally:
        await pool.close()


def _lifespan(pool_size: int) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_pool(pool_size) as pool:
            app.state.pool = pool
            yield

    return lifespan


def build_app(pool_size: int) -> Starlette:
    return Starlette(
        routes=[
            Route("/healthz", health),
            Route("/new", create_batch, methods=["POST"]),
            Route("/{key}", get_by_key, methods=["GET"]),
            Route("/{key}", delete_by_key, methods=["DELETE"]),
        ],
        lifespan=_lifespan(pool_size),
    )


def app_from_env() -> Starlette:
    """The app with BENCH_POOL_SIZE connections: the factory another server (granian) is pointed at."""
    return build_app(int(os.environ["BENCH_POOL_SIZE"]))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.yardstick", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pool-size", type=int, required=True, help="database connections (fixed)")
    args = parser.parse_args()
    app = build_app(args.pool_size)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
