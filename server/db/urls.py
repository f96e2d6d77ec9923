"""Turn the DATABASE_URL users set into the SQLAlchemy URLs of the async server and of alembic."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url

from server.paths import DEFAULT_SQLITE_PATH

_POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg_async"}
_SQLITE_SCHEMES = {"sqlite", "sqlite+aiosqlite", "sqlite+pysqlite"}


class UnsupportedDatabaseUrl(ValueError):
    pass


def _parse(database_url: str | None) -> URL:
    if not database_url:
        DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        return URL.create("sqlite", database=str(DEFAULT_SQLITE_PATH))
    url = make_url(database_url)
    if url.drivername in _POSTGRES_SCHEMES:
        return url.set(drivername="postgresql")
    if url.drivername in _SQLITE_SCHEMES:
        if url.database in (None, "", ":memory:"):
            # Each pooled connection would get its own empty in-memory database.
            raise UnsupportedDatabaseUrl("an SQLite DATABASE_URL must name a file")
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return url.set(drivername="sqlite")
    raise UnsupportedDatabaseUrl(
        f"unsupported DATABASE_URL scheme {url.drivername!r}: use postgresql:// or sqlite:///"
    )


def async_url(database_url: str | None) -> URL:
    """The URL of the server's async engine: psycopg 3 for PostgreSQL, aiosqlite for SQLite."""
    url = _parse(database_url)
    driver = "postgresql+psycopg" if url.drivername == "postgresql" else "sqlite+aiosqlite"
    return url.set(drivername=driver)


def sync_url(database_url: str | None) -> URL:
    """The URL of alembic's blocking engine: psycopg 3 for PostgreSQL, the stdlib for SQLite."""
    url = _parse(database_url)
    driver = "postgresql+psycopg" if url.drivername == "postgresql" else "sqlite+pysqlite"
    return url.set(drivername=driver)
