"""`python -m server`: the interface other issues, containers and outside checks start the service by."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from devtools.ports import free_port
from devtools.server import ServerProcess
from server.config.database_url import database_target
from server.config.paths import PROJECT_ROOT
from server.db import migrations

# Each test starts server or client processes.
pytestmark = pytest.mark.slow


def _run_server(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", "--port", str(free_port()), *args],
        cwd=PROJECT_ROOT,
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_refuses_an_unmigrated_postgres_database_in_one_line(
    empty_database: Callable[[str, str], str],
) -> None:
    result = _run_server(empty_database("postgresql", "unmigrated"))
    assert result.returncode == 1
    message = result.stderr.strip()
    assert "\n" not in message
    assert "python -m server migrate" in message


def test_refuses_a_database_behind_the_code(empty_database: Callable[[str, str], str]) -> None:
    url = empty_database("postgresql", "behind")
    migrations.upgrade(url, "0001")
    result = _run_server(url)
    assert result.returncode == 1
    assert "is at revision 0001, the server needs" in result.stderr


def test_serves_on_a_database_a_newer_release_migrated(
    empty_database: Callable[[str, str], str], tmp_path: Path
) -> None:
    # Mid-rollout, or after `kubectl rollout undo`: the schema is a newer release's, which this code does
    # not know; expand/contract migrations keep it usable, so the old pods must not crash-loop.
    url = empty_database("postgresql", "ahead")
    migrations.upgrade(url)
    engine = create_engine(database_target(url).sync_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    log = tmp_path / "server.log"
    with ServerProcess(url, log_path=log) as server:
        assert httpx.get(f"{server.base_url}/readyz").status_code == 200
    assert "revision 9999_from_the_future, newer than this server's" in log.read_text()


def test_unreachable_database_is_reported_in_one_line() -> None:
    result = _run_server(f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: cannot reach the database")
    assert "\n" not in result.stderr.strip()


def test_migrate_command_brings_the_database_to_head(empty_database: Callable[[str, str], str]) -> None:
    url = empty_database("postgresql", "migrate_cli")
    result = subprocess.run(
        [sys.executable, "-m", "server", "migrate"],
        cwd=PROJECT_ROOT,
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert migrations.current_revision(url) == migrations.head_revision()


def test_sqlite_file_is_migrated_on_start(tmp_path: Path) -> None:
    with ServerProcess(f"sqlite:///{tmp_path / 'fresh.db'}") as server:
        created = httpx.post(f"{server.base_url}/new", json=[{"text": "x"}])
        assert created.status_code == 201


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_shuts_down_gracefully(migrated_url: str, sig: signal.Signals, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    server = ServerProcess(migrated_url, env={"LOG_LEVEL": "info"}, log_path=log).start()
    assert httpx.get(f"{server.base_url}/readyz").status_code == 200
    # uvicorn re-raises the signal once it has shut down, so the exit status reports it.
    assert server.stop(sig) in (0, -sig)
    assert "Application shutdown complete" in log.read_text()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_several_workers_serve_the_same_database(database_url: str) -> None:
    with ServerProcess(database_url, workers=2) as server, httpx.Client(base_url=server.base_url) as client:
        stored = [client.post("/new", json=[{"text": str(i)}]).json()[0] for i in range(20)]
        assert [client.get(f"/{record['uuid']}").status_code for record in stored] == [200] * 20


def test_one_access_log_line_per_request_with_access_log_on(migrated_url: str, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with ServerProcess(migrated_url, env={"ACCESS_LOG": "true"}, log_path=log) as server:
        httpx.get(f"{server.base_url}/0")
        httpx.get(f"{server.base_url}/nothing-here")
    lines = log.read_text().splitlines()
    assert [line for line in lines if '"GET /0 HTTP/1.1" 200' in line]
    assert [line for line in lines if '"GET /nothing-here HTTP/1.1" 422' in line]


def test_no_access_log_by_default_even_at_info(migrated_url: str, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with ServerProcess(migrated_url, env={"LOG_LEVEL": "info"}, log_path=log) as server:
        assert httpx.get(f"{server.base_url}/0").status_code == 200
    assert "GET /0" not in log.read_text()
