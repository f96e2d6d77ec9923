"""Counters and latencies of one load-client run, and the lines it prints about them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


def percentile(sorted_samples: list[float], fraction: float) -> float:
    if not sorted_samples:
        return 0.0
    index = min(len(sorted_samples) - 1, round(fraction * (len(sorted_samples) - 1)))
    return sorted_samples[index]


@dataclass
class Stats:
    started: float = field(default_factory=time.monotonic)
    inserted: int = 0
    deleted: int = 0
    races: int = 0
    errors: int = 0
    _interval_start: float = field(default_factory=time.monotonic)
    _deleted_at_interval_start: int = 0
    _latencies: list[float] = field(default_factory=list)

    def request_took(self, seconds: float) -> None:
        self._latencies.append(seconds)

    def interval_line(self) -> str:
        """The line printed every --report-every seconds: deleted in the interval first."""
        now = time.monotonic()
        deleted_now = self.deleted - self._deleted_at_interval_start
        line = f"deleted {deleted_now} in {now - self._interval_start:.1f}s | {self._totals(now)}"
        self._interval_start, self._deleted_at_interval_start = now, self.deleted
        self._latencies = []
        return line

    def summary_line(self) -> str:
        return f"summary | {self._totals(time.monotonic())}"

    def _totals(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        latencies = sorted(self._latencies)
        return (
            f"inserted {self.inserted} deleted {self.deleted} races {self.races} errors {self.errors} | "
            f"insert/s {self.inserted / elapsed:.1f} delete/s {self.deleted / elapsed:.1f} | "
            f"p50 {percentile(latencies, 0.50) * 1000:.1f}ms p99 {percentile(latencies, 0.99) * 1000:.1f}ms"
        )
