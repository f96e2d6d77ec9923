"""The schema exists only through the alembic migrations, which run both ways on both databases."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from server.config.database_url import database_target
from server.db import migrations
from server.db.models import metadata


def _tables(url: str) -> set[str]:
    engine = create_engine(database_target(url).sync_url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_from_empty_to_head_creates_every_table(
    backend: str, empty_database: Callable[[str, str], str]
) -> None:
    url = empty_database(backend, "migrate_up")
    migrations.upgrade(url)
    assert _tables(url) == set(metadata.tables)
    assert migrations.current_revision(url) == migrations.head_revision()


def test_downgrade_to_base_removes_every_table_and_upgrade_again_works(
    backend: str, empty_database: Callable[[str, str], str]
) -> None:
    url = empty_database(backend, "migrate_down")
    migrations.upgrade(url)
    command.downgrade(migrations.alembic_config(url), "base")
    assert _tables(url) == set()
    assert migrations.current_revision(url) is None
    migrations.upgrade(url)
    assert _tables(url) == set(metadata.tables)


def test_migrated_schema_matches_the_models(backend: str, empty_database: Callable[[str, str], str]) -> None:
    url = empty_database(backend, "migrate_compare")
    migrations.upgrade(url)
    engine = create_engine(database_target(url).sync_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == []


def test_schema_state_tells_behind_from_ahead() -> None:
    head = migrations.head_revision()
    assert migrations.schema_state(head) == "current"
    # Empty, or an older revision of this code: the server must not start on it.
    assert migrations.schema_state(None) == "behind"
    assert migrations.schema_state("0001") == "behind"
    # A revision this code does not know is a newer release's.
    assert migrations.schema_state("9999_from_the_future") == "ahead"
