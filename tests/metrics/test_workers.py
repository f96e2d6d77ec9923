"""With several workers, a scrape adds up every worker's counts, and a worker that dies loses none.

`python -m server` empties the metrics directory before the workers start, so a run never inherits the
counts of the one before; a replaced worker's counters stay in its files, while its gauges go.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict

from devtools.server import ServerProcess
from server.observability.metrics_directory import default_metrics_directory
from tests.utils.metrics import requests_counted, scrape, value

# Workers and their files do not depend on the database; PostgreSQL is the one with a pool to report.
pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]

REQUESTS = 200
REPLACEMENT_TIMEOUT_S = 30.0
POOL_SIZE = 3
_COUNTER_FILE = re.compile(r"counter_(\d+)\.db$")


def _healthz_counted_by_worker(directory: Path) -> dict[int, float]:
    """GET /healthz 200 as each worker's own file holds it."""
    counted: dict[int, float] = {}
    for path in directory.glob("counter_*.db"):
        match = _COUNTER_FILE.search(path.name)
        assert match
        counted[int(match[1])] = sum(
            count
            # prometheus_client's mmap module has no type hints.
            for key, count, _timestamp, _position in MmapedDict.read_all_values_from_file(str(path))  # type: ignore[no-untyped-call]
            if '"http_requests_total"' in key and '"/healthz"' in key
        )
    return counted


def _fresh_connection_requests(base_url: str, count: int) -> None:
    # A client per request: each is a new connection, which the kernel hands to either worker.
    for _ in range(count):
        assert httpx.get(f"{base_url}/healthz").status_code == 200


def _healthz_total(base_url: str) -> int:
    return requests_counted(scrape(base_url))["GET", "/healthz", "200"]


def _wait_for_open_connections(base_url: str, expected: float) -> None:
    """Pools fill in the background and are sampled every second: wait for the sum to settle."""
    deadline = time.monotonic() + REPLACEMENT_TIMEOUT_S
    while value(scrape(base_url), "db_pool_connections") != expected:
        assert time.monotonic() < deadline, f"db_pool_connections never reached {expected}"
        time.sleep(0.2)


def test_two_workers_count_requests_on_fresh_connections_exactly_once(
    migrated_url: str, tmp_path: Path
) -> None:
    with ServerProcess(migrated_url, workers=2, env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}) as server:
        before = _healthz_total(server.base_url)
        _fresh_connection_requests(server.base_url, REQUESTS)
        assert _healthz_total(server.base_url) - before == REQUESTS
        served = [count for count in _healthz_counted_by_worker(tmp_path).values() if count]
    assert len(served) == 2, "both workers should have served some of the requests"


def test_a_replaced_worker_loses_no_counts_and_its_gauges_go(migrated_url: str, tmp_path: Path) -> None:
    env = {
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DB_POOL_SIZE": str(POOL_SIZE),
        "DB_POOL_MIN_SIZE": str(POOL_SIZE),
    }
    with ServerProcess(migrated_url, workers=2, env=env) as server:
        _wait_for_open_connections(server.base_url, 2 * POOL_SIZE)
        before = _healthz_total(server.base_url)
        _fresh_connection_requests(server.base_url, REQUESTS)
        first_scrape = _healthz_total(server.base_url)
        workers = _healthz_counted_by_worker(tmp_path)
        victim = max(workers, key=lambda pid: workers[pid])
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + REPLACEMENT_TIMEOUT_S
        while set(_healthz_counted_by_worker(tmp_path)) - set(workers) == set():
            assert time.monotonic() < deadline, "uvicorn did not replace the killed worker"
            time.sleep(0.2)
        assert _healthz_total(server.base_url) == first_scrape == before + REQUESTS
        assert not list(tmp_path.glob(f"gauge_live*_{victim}.db"))
        assert list(tmp_path.glob(f"counter_{victim}.db"))
        # The live workers' pools only: the dead worker's last figures are not added in.
        _wait_for_open_connections(server.base_url, 2 * POOL_SIZE)


def test_the_launcher_empties_the_metrics_directory_before_the_workers_start(
    migrated_url: str, tmp_path: Path
) -> None:
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    with ServerProcess(migrated_url, env=env) as server:
        _fresh_connection_requests(server.base_url, 3)
    (tmp_path / "notes.txt").write_text("not a metrics file")
    with ServerProcess(migrated_url, env=env) as server:
        # ServerProcess waits for one GET /healthz 200 before it returns: that one only.
        assert _healthz_total(server.base_url) == 1
    assert (tmp_path / "notes.txt").exists()


def test_without_a_configured_directory_the_launcher_uses_one_per_port(migrated_url: str) -> None:
    # The tests' own environment sets no directory (the others pass theirs to ServerProcess).
    with ServerProcess(migrated_url, workers=2) as server:
        directory = default_metrics_directory(server.port)
        assert list(directory.glob("counter_*.db")), f"no worker wrote to {directory}"
        _fresh_connection_requests(server.base_url, 10)
        assert _healthz_total(server.base_url) == 1 + 10
