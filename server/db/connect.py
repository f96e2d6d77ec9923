"""Open the database DATABASE_URL names: PostgreSQL through psycopg, or the embedded SQLite file."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import create_async_engine

from server.config.database_url import database_target
from server.config.settings import Settings
from server.db.database import Database
from server.db.postgres import PostgresDatabase
from server.db.sqlite import SqliteDatabase


def open_database(settings: Settings) -> Database:
    target = database_target(settings.database_url)
    if target.backend == "postgresql":
        return PostgresDatabase(target.conninfo, settings)
    return SqliteDatabase(create_async_engine(target.async_url))
