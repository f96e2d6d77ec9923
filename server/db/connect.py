"""Open the database DATABASE_URL names: PostgreSQL through psycopg, or the embedded SQLite file."""

from __future__ import annotations

from opentelemetry.trace import TracerProvider
from sqlalchemy.ext.asyncio import create_async_engine

from server.config.database_url import database_target
from server.config.settings import Settings
from server.db.database import Database
from server.db.postgres import APPLICATION_NAME, PostgresDatabase
from server.db.sqlite import SqliteDatabase
from server.db.tracing import DatabaseTracing


def open_database(settings: Settings, tracer_provider: TracerProvider | None = None) -> Database:
    """The database handle; with a tracer provider, PostgreSQL's pool waits and statements are traced."""
    target = database_target(settings.database_url)
    if target.backend == "postgresql":
        tracing = (
            DatabaseTracing(tracer_provider, APPLICATION_NAME, target.url.database)
            if tracer_provider
            else None
        )
        return PostgresDatabase(target.conninfo, settings, tracing)
    return SqliteDatabase(create_async_engine(target.async_url))
