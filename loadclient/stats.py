"""Counters and latencies of one load-client run, and the lines it prints about them."""

from __future__ import annotations

import abc
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import httpx
from hdrh.histogram import HdrHistogram

# Latencies are kept in HDR histograms (microseconds, 3 significant digits, up to a minute): a run of
# hours at thousands of requests a second then takes a few kilobytes instead of a list of every sample.
_LOWEST_US, _HIGHEST_US, _SIGNIFICANT_DIGITS = 1, 60_000_000, 3

T = TypeVar("T")


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


class RequestFailed(Exception):
    """No answer: a timeout or a transport error."""


class _Records(Protocol):
    def request_took(self, seconds: float) -> None: ...


async def timed(stats: _Records, call: Callable[[], Awaitable[T]]) -> T:
    """The call's answer, its latency recorded whatever happens; no answer is RequestFailed."""
    started = time.perf_counter()
    try:
        return await call()
    except (TimeoutError, httpx.HTTPError, OSError) as error:
        raise RequestFailed(type(error).__name__) from error
    finally:
        stats.request_took(time.perf_counter() - started)


@dataclass
class Report(abc.ABC):
    """A scenario's report lines: every interval, the count it leads with, totals and the interval's
    latencies; at the end, totals and the whole run's latencies. A scenario says what it counts."""

    started: float = field(default_factory=time.monotonic)
    latencies: Latencies = field(default_factory=Latencies)
    _interval_start: float = field(default_factory=time.monotonic)
    _leading_at_interval_start: int = 0

    @abc.abstractmethod
    def _leading(self) -> tuple[str, int]:
        """The name and running total of what each interval line starts with."""

    @abc.abstractmethod
    def _totals(self, elapsed: float) -> str:
        """The running totals and rates, given the seconds since the start."""

    def request_took(self, seconds: float) -> None:
        self.latencies.record(seconds)

    def interval_line(self) -> str:
        """The line printed every --report-every seconds: its leading count first, its latencies last."""
        now = time.monotonic()
        name, total = self._leading()
        line = (
            f"{name} {total - self._leading_at_interval_start} in {now - self._interval_start:.1f}s | "
            f"{self._totals(max(now - self.started, 1e-9))} | {self.latencies.end_interval()}"
        )
        self._interval_start, self._leading_at_interval_start = now, total
        return line

    def summary_line(self) -> str:
        """The last line: totals, and latencies over the whole run."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return f"summary | {self._totals(elapsed)} | {self.latencies.whole_run()}"


@dataclass
class RecordsStats(Report):
    """The records scenario: inserts and deletes, interval lines leading with the records deleted."""

    inserted: int = 0
    deleted: int = 0
    races: int = 0
    errors: int = 0
    # Requests sent again after a 502, 503, 504 or no answer (REPLAY_PAUSES_S); a failed last one is an error.
    replays: int = 0

    @property
    def live(self) -> int:
        """The records this client stored that are still in the table, as far as it knows."""
        return self.inserted - self.deleted

    def _leading(self) -> tuple[str, int]:
        return "deleted", self.deleted

    def _totals(self, elapsed: float) -> str:
        return (
            f"inserted {self.inserted} deleted {self.deleted} races {self.races} errors {self.errors} "
            f"replays {self.replays} live {self.live} | "
            f"insert/s {self.inserted / elapsed:.1f} delete/s {self.deleted / elapsed:.1f}"
        )


@dataclass
class ShopStats(Report):
    """The shop scenario: what shoppers did, interval lines leading with the requests sent."""

    requests: int = 0
    created: int = 0
    deleted: int = 0
    carts: int = 0
    added: int = 0
    missing: int = 0
    errors: int = 0

    def request_took(self, seconds: float) -> None:
        self.requests += 1
        super().request_took(seconds)

    def _leading(self) -> tuple[str, int]:
        return "requests", self.requests

    def _totals(self, elapsed: float) -> str:
        return (
            f"requests {self.requests} created {self.created} deleted {self.deleted} carts {self.carts} "
            f"added {self.added} missing {self.missing} errors {self.errors} | "
            f"request/s {self.requests / elapsed:.1f}"
        )
