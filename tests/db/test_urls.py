"""DATABASE_URL accepts the forms users and platforms set."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.db.urls import UnsupportedDatabaseUrl, async_url, sync_url
from server.paths import DEFAULT_SQLITE_PATH


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
    assert async_url(given).render_as_string(hide_password=False) == expected
    assert sync_url(given).render_as_string(hide_password=False) == expected


def test_sqlite_file_url_uses_aiosqlite_for_the_server_and_stdlib_for_alembic(tmp_path: Path) -> None:
    given = f"sqlite:///{tmp_path}/other.db"
    assert async_url(given).drivername == "sqlite+aiosqlite"
    assert sync_url(given).drivername == "sqlite+pysqlite"
    assert async_url(given).database == f"{tmp_path}/other.db"


def test_no_url_means_the_embedded_sqlite_file() -> None:
    url = async_url(None)
    assert url.drivername == "sqlite+aiosqlite"
    assert url.database == str(DEFAULT_SQLITE_PATH)


@pytest.mark.parametrize("given", ["sqlite://", "sqlite:///:memory:", "mysql://x@y/z"])
def test_unusable_urls_are_refused_with_a_reason(given: str) -> None:
    with pytest.raises(UnsupportedDatabaseUrl):
        async_url(given)
