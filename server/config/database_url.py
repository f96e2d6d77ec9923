"""The one reading of DATABASE_URL: which database it names, and the URL each part of the service needs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import URL, make_url

from server.config.paths import DEFAULT_SQLITE_PATH

Backend = Literal["postgresql", "sqlite"]

_POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg_async"}
_SQLITE_SCHEMES = {"sqlite", "sqlite+aiosqlite", "sqlite+pysqlite"}


class UnsupportedDatabaseUrl(ValueError):
    pass


@dataclass(frozen=True)
class DatabaseTarget:
    """The database a DATABASE_URL names; `url` is its plain form (`postgresql://`, `sqlite:///`)."""

    backend: Backend
    url: URL

    @property
    def async_url(self) -> URL:
        """The server's async engine: psycopg 3 for PostgreSQL, aiosqlite for SQLite."""
        driver = "postgresql+psycopg" if self.backend == "postgresql" else "sqlite+aiosqlite"
        return self.url.set(drivername=driver)

    @property
    def sync_url(self) -> URL:
        """alembic's and the tests' blocking engine: psycopg 3 for PostgreSQL, the stdlib for SQLite."""
        driver = "postgresql+psycopg" if self.backend == "postgresql" else "sqlite+pysqlite"
        return self.url.set(drivername=driver)

    @property
    def conninfo(self) -> str:
        """What psycopg connects with (the request pool, the chat's connections), password included."""
        return self.url.render_as_string(hide_password=False)


def database_target(database_url: str | None) -> DatabaseTarget:
    """The database DATABASE_URL names, or the embedded SQLite file when it is unset or empty.

    An SQLite file's directory is created here, so that every part finds it.
    """
    if not database_url:
        DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        return DatabaseTarget("sqlite", URL.create("sqlite", database=str(DEFAULT_SQLITE_PATH)))
    url = make_url(database_url)
    if url.drivername in _POSTGRES_SCHEMES:
        return DatabaseTarget("postgresql", url.set(drivername="postgresql"))
    if url.drivername in _SQLITE_SCHEMES:
        if url.database in (None, "", ":memory:"):
            # Each pooled connection would get its own empty in-memory database.
            raise UnsupportedDatabaseUrl("an SQLite DATABASE_URL must name a file")
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return DatabaseTarget("sqlite", url.set(drivername="sqlite"))
    raise UnsupportedDatabaseUrl(
        f"unsupported DATABASE_URL scheme {url.drivername!r}: use postgresql:// or sqlite:///"
    )
