"""Counters and latencies of one load-client run, and the lines it prints about them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

# Latencies are kept in HDR histograms (microseconds, 3 significant digits, up to a minute): a run of
# hours at thousands of requests a second then takes a few kilobytes instead of a list of every sample.
_LOWEST_US, _HIGHEST_US, _SIGNIFICANT_DIGITS = 1, 60_000_000, 3


def _histogram() -> HdrHistogram:
    return HdrHistogram(_LOWEST_US, _HIGHEST_US, _SIGNIFICANT_DIGITS)


def _percentiles(latencies: HdrHistogram) -> str:
    p50, p99 = (latencies.get_value_at_percentile(p) / 1000 for p in (50, 99))
    return f"p50 {p50:.1f}ms p99 {p99:.1f}ms"


@dataclass
class Latencies:
    """Request latencies of the current report interval and of the whole run, for either scenario."""

    _interval: HdrHistogram = field(default_factory=_histogram)
    _run: HdrHistogram = field(default_factory=_histogram)

    def record(self, seconds: float) -> None:
        microseconds = min(max(round(seconds * 1e6), _LOWEST_US), _HIGHEST_US)
        self._interval.record_value(microseconds)
        self._run.record_value(microseconds)

    def end_interval(self) -> str:
        """The interval's p50 and p99; the next interval starts empty."""
        line = _percentiles(self._interval)
        self._interval.reset()
        return line

    def whole_run(self) -> str:
        return _percentiles(self._run)


@dataclass
class Stats:
    started: float = field(default_factory=time.monotonic)
    inserted: int = 0
    deleted: int = 0
    races: int = 0
    errors: int = 0
    latencies: Latencies = field(default_factory=Latencies)
    _interval_start: float = field(default_factory=time.monotonic)
    _deleted_at_interval_start: int = 0

    def request_took(self, seconds: float) -> None:
        self.latencies.record(seconds)

    def interval_line(self) -> str:
        """The line printed every --report-every seconds: deleted in it first, its own latencies last."""
        now = time.monotonic()
        deleted_now = self.deleted - self._deleted_at_interval_start
        line = (
            f"deleted {deleted_now} in {now - self._interval_start:.1f}s | {self._totals(now)} | "
            f"{self.latencies.end_interval()}"
        )
        self._interval_start, self._deleted_at_interval_start = now, self.deleted
        return line

    def summary_line(self) -> str:
        """The last line: totals, and latencies over the whole run."""
        return f"summary | {self._totals(time.monotonic())} | {self.latencies.whole_run()}"

    def _totals(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        return (
            f"inserted {self.inserted} deleted {self.deleted} races {self.races} errors {self.errors} | "
            f"insert/s {self.inserted / elapsed:.1f} delete/s {self.deleted / elapsed:.1f}"
        )
