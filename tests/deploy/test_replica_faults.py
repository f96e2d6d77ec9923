"""API replicas killed, restarted and stopped under the demo load, through the committed proxy.

The load client replays what a dying replica took with it, and tells the proxy's replay of its own delete
from a race; the proxy never gives up on a replica that is back. So the demo load reports no error and no
race, and every record the service acknowledged is in the table or was deleted by the load client.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import psycopg
import pytest

from tests.utils.local_services import LocalService, LocalSystem, run_to_completion, running_system

pytestmark = pytest.mark.slow

FIRST_REPORT_TIMEOUT_S = 30.0
# How long the load runs on after each fault, so that requests meet the replicas as the fault left them.
SETTLE_S = 2.0


@pytest.fixture
def system(
    services: dict[str, dict[str, Any]],
    postgres_database: Callable[[str], str],
    nginx_binary: str,
    tmp_path: Path,
) -> Iterator[LocalSystem]:
    """A system of its own: this test kills its replicas."""
    database_url = postgres_database("replica_faults")
    migrate = run_to_completion(services["migrate"], {"DATABASE_URL": database_url})
    assert migrate.returncode == 0, migrate.stderr
    with running_system(services, database_url, nginx_binary, tmp_path) as system:
        yield system


def _demo_load(system: LocalSystem, journal: Path) -> LocalService:
    """The compose load client's own command, aimed at the local proxy, reporting every second."""
    service = system.services["loadclient"]
    proxy_url = f"http://proxy:{system.services['proxy']['environment']['NGINX_PORT']}"
    command = [system.proxy.base_url if part == proxy_url else part for part in service["command"]]
    command += ["--report-every", "1", "--journal", str(journal)]
    traces = {"OTEL_EXPORTER_OTLP_ENDPOINT": system.collector.endpoint}
    return LocalService({**service, "command": command}, traces, system.run_dir / "loadclient.log").start()


def _totals(line: str) -> dict[str, int]:
    words = line.split("|")[1].split()
    return {name: int(value) for name, value in zip(words[::2], words[1::2], strict=True)}


def _acknowledged_and_deleted(journal: Path) -> tuple[set[UUID], set[UUID]]:
    """The uuids of every acknowledged batch; those of every record the load client deleted (a 200, or
    a 404 to a delete that may have been processed before: its own)."""
    acknowledged: set[UUID] = set()
    deleted: set[UUID] = set()
    for line in journal.read_bytes().splitlines():
        entry = orjson.loads(line)
        if "stored" in entry:
            acknowledged.update(UUID(value) for value in entry["stored"])
        elif entry["status"] == 200 or (entry["status"] == 404 and entry.get("replayed")):
            deleted.add(UUID(entry["delete"]))
    return acknowledged, deleted


def _stored(database_url: str) -> set[UUID]:
    with psycopg.connect(database_url) as connection:
        return {row[0] for row in connection.execute("SELECT uuid FROM records")}


def test_a_replica_killed_and_restarted_then_the_other_stopped_costs_no_error_and_no_race(
    system: LocalSystem, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.jsonl"
    load = _demo_load(system, journal)
    try:
        load.wait_for_line("deleted ", FIRST_REPORT_TIMEOUT_S)
        system.replicas[0].kill()
        time.sleep(SETTLE_S)
        system.start_replica(0)
        time.sleep(SETTLE_S)
        stopped = system.replicas[1].stop(signal.SIGTERM)
        before_last = [line for line in load.output().splitlines() if line.startswith("deleted ")][-1]
        time.sleep(SETTLE_S)
    finally:
        status = load.stop(signal.SIGTERM)
    assert status == 0, load.output()
    assert stopped == 0, "the second replica stopped gracefully"
    summary = _totals(load.wait_for_line("summary | ", 5))
    assert summary["errors"] == 0, load.output()
    assert summary["races"] == 0, load.output()
    # The restarted replica carried the load alone at the end.
    last = _totals(before_last)
    assert summary["inserted"] > last["inserted"] and summary["deleted"] > last["deleted"], load.output()
    acknowledged, deleted = _acknowledged_and_deleted(journal)
    stored = _stored(system.database_url)
    assert len(acknowledged) == summary["inserted"]
    assert not acknowledged - stored - deleted, "an acknowledged record is neither stored nor deleted"
    assert not deleted & stored, "a record the load client deleted is still stored"
