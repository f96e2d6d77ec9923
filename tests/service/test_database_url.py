"""DATABASE_URL accepts the forms users and platforms set, and names one backend for every part."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config.database_url import UnsupportedDatabaseUrl, database_target
from server.config.paths import DEFAULT_SQLITE_PATH


@pytest.mark.parametrize(
    "given",
    [
        "postgresql://app:secret@db.example:5432/records",
        "postgres://app:secret@db.example:5432/records",
        "postgresql+psycopg://app:secret@db.example:5432/records",
    ],
)
def test_postgres_urls_use_psycopg_3(given: str) -> None:
    expected = "postgresql+psycopg://app:secret@db.example:5432/records"
    target = database_target(given)
    assert target.backend == "postgresql"
    assert target.async_url.render_as_string(hide_password=False) == expected
    assert target.sync_url.render_as_string(hide_password=False) == expected


def test_postgres_conninfo_is_the_plain_url_with_its_password() -> None:
    target = database_target("postgresql+psycopg://app:p%40ss@db.example:5432/records")
    assert target.conninfo == "postgresql://app:p%40ss@db.example:5432/records"


def test_sqlite_file_url_uses_aiosqlite_for_the_server_and_stdlib_for_alembic(tmp_path: Path) -> None:
    target = database_target(f"sqlite:///{tmp_path}/other.db")
    assert target.backend == "sqlite"
    assert target.async_url.drivername == "sqlite+aiosqlite"
    assert target.sync_url.drivername == "sqlite+pysqlite"
    assert target.async_url.database == f"{tmp_path}/other.db"


def test_no_url_means_the_embedded_sqlite_file() -> None:
    url = database_target(None).async_url
    assert url.drivername == "sqlite+aiosqlite"
    assert url.database == str(DEFAULT_SQLITE_PATH)


@pytest.mark.parametrize("given", ["sqlite://", "sqlite:///:memory:", "mysql://x@y/z"])
def test_unusable_urls_are_refused_with_a_reason(given: str) -> None:
    with pytest.raises(UnsupportedDatabaseUrl):
        database_target(given)
