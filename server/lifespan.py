"""What each worker process sets up once: the database handle, reached by handlers per request."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from connexion import request

from server.db.engine import Database

logger = logging.getLogger(__name__)


def lifespan_for(
    database_url: str | None, pool_size: int
) -> Callable[[Any], AbstractAsyncContextManager[dict[str, Any]]]:
    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[dict[str, Any]]:
        db = Database(database_url, pool_size=pool_size)
        try:
            yield {"db": db}
        finally:
            await db.dispose()

    return lifespan


def current_database() -> Database:
    return request.state.db
