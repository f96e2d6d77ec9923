"""The load client's report lines: interval latencies cover the interval, the summary's the whole run."""

from __future__ import annotations

import re

from loadclient.stats import RecordsStats

PERCENTILES = re.compile(r"p50 (?P<p50>[\d.]+)ms p99 (?P<p99>[\d.]+)ms$")


def _percentiles(line: str) -> tuple[float, float]:
    match = PERCENTILES.search(line)
    assert match, line
    return float(match["p50"]), float(match["p99"])


def test_an_interval_line_reports_only_the_latencies_of_its_interval() -> None:
    stats = RecordsStats()
    for _ in range(100):
        stats.request_took(0.500)
    stats.interval_line()
    for _ in range(100):
        stats.request_took(0.002)
    p50, p99 = _percentiles(stats.interval_line())
    assert p50 == p99 == 2.0


def test_the_summary_reports_latencies_over_the_whole_run() -> None:
    stats = RecordsStats()
    for _ in range(98):
        stats.request_took(0.002)
    stats.interval_line()
    for _ in range(2):
        stats.request_took(0.500)
    stats.interval_line()
    p50, p99 = _percentiles(stats.summary_line())
    assert p50 == 2.0
    assert 499 <= p99 <= 501


def test_a_run_without_requests_reports_zero_latencies() -> None:
    assert _percentiles(RecordsStats().summary_line()) == (0.0, 0.0)
