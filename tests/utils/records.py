"""Records written straight into PostgreSQL, for tests that need a full table rather than the API."""

from __future__ import annotations

import psycopg


def insert_records(database_url: str, count: int) -> None:
    """`count` records with random uuids and 16-character texts, in one statement."""
    with psycopg.connect(database_url) as connection:
        connection.execute(
            "INSERT INTO records (uuid, text) SELECT gen_random_uuid(), repeat('x', 16) "
            "FROM generate_series(1, %s)",
            (count,),
        )
