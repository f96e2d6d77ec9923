"""What GET /metrics renders: this process's registry, or every worker's files added up."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest, values
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import REGISTRY, Collector

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db$")


class _LiveWorkersCollector(Collector):
    """The workers' files added up, after dropping the live-gauge files of workers that are gone.

    uvicorn replaces a worker that dies without telling anyone its pid; a pid that no longer exists is
    the sign. Counters and histograms keep a dead worker's files: the counts it made are not lost.
    prometheus_client's multiprocess module has no type hints, hence the ignores.
    """

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._files = MultiProcessCollector(None, str(directory))  # type: ignore[no-untyped-call]

    def collect(self) -> Iterable[Metric]:
        for path in self._directory.glob("gauge_live*.db"):
            match = _LIVE_GAUGE_FILE.search(path.name)
            if match and not _process_exists(int(match[1])):
                mark_process_dead(int(match[1]), str(self._directory))  # type: ignore[no-untyped-call]
        return self._files.collect()  # type: ignore[no-untyped-call,no-any-return]


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exposition_registry(directory: Path | None) -> CollectorRegistry:
    """The registry a scrape renders: this process's own, or every worker's files in `directory`.

    prometheus_client chooses where values go when it is first imported, from PROMETHEUS_MULTIPROC_DIR:
    a directory set after that would be read while the values go to memory, and the scrape would
    quietly show nothing. That mistake is refused here.
    """
    multiprocess = values.ValueClass is not values.MutexValue
    if directory is None and not multiprocess:
        return REGISTRY
    if directory is None or not multiprocess:
        raise RuntimeError(
            "PROMETHEUS_MULTIPROC_DIR must be set before prometheus_client is imported, and stay set"
        )
    registry = CollectorRegistry()
    registry.register(_LiveWorkersCollector(directory))
    return registry


class _Exposition:
    """What a scrape of GET /metrics renders; one per process, as prometheus_client's registry is."""

    registry: CollectorRegistry = REGISTRY


def expose(directory: Path | None) -> None:
    """Render this process's registry, or every worker's files in `directory` (server.app at start-up)."""
    _Exposition.registry = exposition_registry(directory)


def render() -> bytes:
    return generate_latest(_Exposition.registry)
