"""Apply the alembic migrations in migrations/ and tell whether a database is behind, at or past them."""

from __future__ import annotations

from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import create_engine

from server.config.database_url import database_target
from server.config.paths import PROJECT_ROOT


def alembic_config(database_url: str | None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    # ConfigParser interpolation would eat a '%' in a password.
    url = database_target(database_url).sync_url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(database_url: str | None, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()


def current_revision(database_url: str | None) -> str | None:
    engine = create_engine(database_target(database_url).sync_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


SchemaState = Literal["behind", "current", "ahead"]


def schema_state(current: str | None) -> SchemaState:
    """Where a database at revision `current` stands against this code's migrations.

    A revision this code does not know is a newer release's: migrations are written expand/contract
    (docs/kubernetes.md), so this code still runs on that schema, mid-rollout or after a rollback.
    """
    script = ScriptDirectory.from_config(alembic_config(None))
    if current is None:
        return "behind"
    if current == script.get_current_head():
        return "current"
    try:
        script.get_revision(current)
    except CommandError:
        return "ahead"
    return "behind"
