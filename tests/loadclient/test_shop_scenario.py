"""`python -m loadclient shop`: shoppers at the requested rate, reporting as the records scenario does.

Its totals are what the server holds afterwards: the items it created and deleted, the carts it opened.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from devtools.server import ServerProcess
from server.config.database_url import database_target
from server.config.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

TOTALS = (
    r"requests (?P<requests>\d+) created (?P<created>\d+) deleted (?P<deleted>\d+) carts (?P<carts>\d+) "
    r"added (?P<added>\d+) missing (?P<missing>\d+) errors (?P<errors>\d+) \| "
    r"request/s (?P<rate>[\d.]+) \| p50 [\d.]+ms p99 [\d.]+ms"
)
INTERVAL = re.compile(rf"^requests (?P<interval_requests>\d+) in [\d.]+s \| {TOTALS}$")
SUMMARY = re.compile(rf"^summary \| {TOTALS}$")
RATE = 50
SECONDS = 4


def _run_shop(base_url: str) -> tuple[list[re.Match[str]], re.Match[str]]:
    command = ["shop", "--base-url", base_url, "--rate", str(RATE), "--duration", str(SECONDS)]
    finished = subprocess.run(
        [sys.executable, "-m", "loadclient", *command, "--report-every", "1"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.strip().splitlines()
    intervals = [INTERVAL.match(line) for line in lines[:-1]]
    summary = SUMMARY.match(lines[-1])
    assert all(intervals) and summary, f"unparsable report lines in:\n{finished.stdout}"
    return [match for match in intervals if match], summary


def _count(database_url: str, query: str) -> int:
    engine = create_engine(database_target(database_url).sync_url)
    with engine.connect() as connection:
        count = int(connection.execute(text(query)).scalar_one())
    engine.dispose()
    return count


def test_reports_every_interval_and_its_totals_are_what_the_server_holds(
    live_server: ServerProcess, database_url: str
) -> None:
    intervals, summary = _run_shop(live_server.base_url)
    assert len(intervals) >= SECONDS - 1
    assert int(summary["errors"]) == 0
    assert int(summary["created"]) == _count(database_url, "SELECT count(*) FROM items")
    assert int(summary["deleted"]) == _count(database_url, "SELECT count(*) FROM items WHERE deleted")
    assert int(summary["carts"]) == _count(database_url, "SELECT count(*) FROM carts")
    assert int(summary["missing"]) > 0, "the 404s asked for on purpose are counted as missing"


def test_keeps_to_the_requested_rate(live_server: ServerProcess) -> None:
    _, summary = _run_shop(live_server.base_url)
    assert int(summary["requests"]) <= RATE * SECONDS + 1
    assert float(summary["rate"]) > RATE / 2, "far below the requested rate on an idle server"
