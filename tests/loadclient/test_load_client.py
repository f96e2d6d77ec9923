"""`python -m loadclient` against a real server process: what it prints, and what it leaves behind."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from uuid import UUID

import orjson
import pytest
from sqlalchemy import create_engine, text

from devtools.ports import free_port
from devtools.server import ServerProcess
from server.config.database_url import database_target
from server.config.paths import PROJECT_ROOT
from tests.utils.tokens import API_TOKEN

# Each test starts server or client processes.
pytestmark = pytest.mark.slow

TOTALS = (
    r"inserted (?P<inserted>\d+) deleted (?P<deleted>\d+) races (?P<races>\d+) errors (?P<errors>\d+) "
    r"replays (?P<replays>\d+) "
    r"live (?P<live>-?\d+) \| "
    r"insert/s [\d.]+ delete/s [\d.]+ \| p50 [\d.]+ms p99 [\d.]+ms"
)
INTERVAL = re.compile(rf"^deleted (?P<interval_deleted>\d+) in [\d.]+s \| {TOTALS}$")
SUMMARY = re.compile(rf"^summary \| {TOTALS}$")


def _load_client(base_url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "loadclient", "--base-url", base_url, "--report-every", "1", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(client: subprocess.Popen[str]) -> tuple[list[dict[str, int]], dict[str, int]]:
    stdout, stderr = client.communicate(timeout=60)
    assert client.returncode == 0, stderr
    lines = stdout.strip().splitlines()
    intervals = [INTERVAL.match(line) for line in lines[:-1]]
    assert all(intervals), f"unparsable report lines in:\n{stdout}"
    summary = SUMMARY.match(lines[-1])
    assert summary, f"no summary line in:\n{stdout}"
    return [_as_ints(match) for match in intervals if match], _as_ints(summary)


def _as_ints(match: re.Match[str]) -> dict[str, int]:
    return {key: int(value) for key, value in match.groupdict().items()}


def _stored_uuids(database_url: str) -> set[UUID]:
    engine = create_engine(database_target(database_url).sync_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT uuid FROM records")).scalars().all()
    engine.dispose()
    return {value if isinstance(value, UUID) else UUID(value) for value in rows}


def test_reports_every_interval_and_accounts_for_every_record(
    live_server: ServerProcess, database_url: str
) -> None:
    intervals, summary = _finish(_load_client(live_server.base_url, "--duration", "4"))
    assert len(intervals) >= 3
    assert summary["inserted"] > 0 and summary["deleted"] > 0
    assert summary["errors"] == 0
    assert sum(interval["interval_deleted"] for interval in intervals) <= summary["deleted"]
    assert len(_stored_uuids(database_url)) == summary["inserted"] - summary["deleted"] == summary["live"]


def test_sigint_prints_a_final_summary_and_exits_zero(live_server: ServerProcess) -> None:
    client = _load_client(live_server.base_url)
    time.sleep(2)
    client.send_signal(signal.SIGINT)
    _, summary = _finish(client)
    assert summary["inserted"] > 0


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_survives_a_server_restart_and_loses_nothing_it_was_told_was_stored(
    database_url: str, tmp_path: Path
) -> None:
    port, journal = free_port(), tmp_path / "journal.jsonl"
    server = ServerProcess(database_url, port=port).start()
    client = _load_client(server.base_url, "--duration", "12", "--journal", str(journal))
    time.sleep(4)
    server.stop(signal.SIGKILL)
    time.sleep(2)
    server = ServerProcess(database_url, port=port).start()
    try:
        intervals, summary = _finish(client)
    finally:
        server.stop()

    errors = [interval["errors"] for interval in intervals]
    assert errors[-1] > 0, "the outage was not reported"
    first_outage = next(i for i, count in enumerate(errors) if count > 0)
    assert summary["inserted"] > intervals[first_outage]["inserted"], "inserts did not resume"
    assert summary["deleted"] > intervals[first_outage]["deleted"], "deletes did not resume"

    acknowledged: set[UUID] = set()
    attempted_delete: set[UUID] = set()
    deleted_for_sure: set[UUID] = set()
    for line in journal.read_bytes().splitlines():
        entry = orjson.loads(line)
        if "stored" in entry:
            acknowledged.update(UUID(value) for value in entry["stored"])
        else:
            attempted_delete.add(UUID(entry["delete"]))
            if entry["status"] == 200:
                deleted_for_sure.add(UUID(entry["delete"]))
    stored = _stored_uuids(database_url)
    assert acknowledged - attempted_delete <= stored, "an acknowledged record is missing"
    assert not deleted_for_sure & stored


@pytest.mark.parametrize("consumers", ["1", "3"])
def test_one_client_never_races_itself(live_server: ServerProcess, consumers: str) -> None:
    _, summary = _finish(_load_client(live_server.base_url, "--duration", "4", "--consumers", consumers))
    assert summary["deleted"] > 0
    assert summary["races"] == 0


def _count(database_url: str) -> int:
    engine = create_engine(database_target(database_url).sync_url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM records")).scalar_one()
    engine.dispose()
    return int(count)


def test_max_records_bounds_the_table_while_inserts_outrun_deletes(
    live_server: ServerProcess, database_url: str
) -> None:
    bound = 300
    before = _count(database_url)
    client = _load_client(live_server.base_url, "--duration", "5", "--max-records", str(bound))
    counts = []
    while client.poll() is None:
        counts.append(_count(database_url) - before)
        time.sleep(0.1)
    intervals, summary = _finish(client)
    assert max(counts) <= bound, counts
    # The producers did reach the bound: the consumers, not the bound, paced them.
    assert max(counts) > bound // 2, counts
    assert all(interval["live"] <= bound for interval in intervals)
    assert summary["inserted"] > bound, "producers kept inserting as the consumers made room"


def test_with_a_token_it_runs_against_a_server_that_requires_one(
    secured_server: ServerProcess, database_url: str
) -> None:
    client = _load_client(secured_server.base_url, "--duration", "3", "--token", API_TOKEN)
    _, summary = _finish(client)
    assert summary["inserted"] > 0 and summary["deleted"] > 0
    assert summary["errors"] == 0


def test_the_token_can_come_from_api_token(secured_server: ServerProcess, database_url: str) -> None:
    client = _load_client(secured_server.base_url, "--duration", "2", env={"API_TOKEN": API_TOKEN})
    _, summary = _finish(client)
    assert summary["inserted"] > 0 and summary["errors"] == 0


@pytest.mark.parametrize("token", [None, "a-token-the-server-was-never-given"], ids=["none", "wrong"])
def test_refused_credentials_stop_it_at_once_with_one_line_and_exit_code_2(
    secured_server: ServerProcess, token: str | None
) -> None:
    client = _load_client(secured_server.base_url, *(["--token", token] if token else []))
    stdout, stderr = client.communicate(timeout=30)
    assert client.returncode == 2
    hint = "the token is wrong" if token else "pass --token or set API_TOKEN"
    assert stderr.startswith(f"error: the server refused this client's credentials ({hint}): ")
    assert stderr.count("\n") == 1
    assert stdout == ""
