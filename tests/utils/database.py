"""Emptying a test database between tests, or between the scenarios of one test."""

from __future__ import annotations

from sqlalchemy import create_engine

from server.config.database_url import database_target
from server.db.models import metadata


def empty_tables(database_url: str, *, restart_ids: bool = False) -> None:
    """Delete every row; with restart_ids the next ids are the first ones again.

    SQLite hands out max(id) + 1 (no AUTOINCREMENT), so an empty table starts over by itself; PostgreSQL's
    sequences are restarted explicitly.
    """
    engine = create_engine(database_target(database_url).sync_url)
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
        if restart_ids and connection.dialect.name == "postgresql":
            names = ", ".join(table.name for table in metadata.sorted_tables)
            connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY")
    engine.dispose()
