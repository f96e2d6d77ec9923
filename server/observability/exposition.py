"""What GET /metrics renders: this process's registry or all workers' files added up, text or OpenMetrics."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest, values
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import REGISTRY, Collector
from prometheus_client.samples import Exemplar as ExposedExemplar
from prometheus_client.samples import Sample

from server.observability.exemplars import TRACE_ID_LABEL, Exemplar, Key, read_exemplars
from server.observability.metrics import REQUEST_DURATION_NAME

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
OPENMETRICS = "application/openmetrics-text"


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


class _WithExemplars(Collector):
    """The registry's metrics, the latency histogram's buckets carrying the workers' latest exemplars."""

    def __init__(self, registry: CollectorRegistry, directory: Path) -> None:
        self._registry = registry
        self._directory = directory

    def collect(self) -> Iterable[Metric]:
        exemplars = read_exemplars(self._directory)
        for metric in self._registry.collect():
            if exemplars and metric.name == REQUEST_DURATION_NAME:
                metric.samples = [_with_exemplar(sample, exemplars) for sample in metric.samples]
            yield metric


def _with_exemplar(sample: Sample, exemplars: dict[Key, Exemplar]) -> Sample:
    if not sample.name.endswith("_bucket"):
        return sample
    labels = sample.labels
    exemplar = exemplars.get((labels["method"], labels["handler"], labels["le"]))
    if exemplar is None:
        return sample
    exposed = ExposedExemplar({TRACE_ID_LABEL: exemplar.trace_id}, exemplar.value, exemplar.timestamp)
    return sample._replace(exemplar=exposed)


class _Exposition:
    """What a scrape of GET /metrics renders; one per process, as prometheus_client's registry is."""

    registry: CollectorRegistry = REGISTRY
    directory: Path | None = None


def expose(directory: Path | None) -> None:
    """Render this process's registry, or every worker's files in `directory` (server.app at start-up)."""
    _Exposition.registry = exposition_registry(directory)
    _Exposition.directory = directory


def render(accept: str | None = None) -> tuple[bytes, str]:
    """The body and its media type: OpenMetrics, with exemplars, when `accept` asks for it; else text 0.0.4.

    Only OpenMetrics can carry exemplars. The text format stays 0.0.4 whatever else Accept names, as it was.
    """
    if accept and OPENMETRICS in accept:
        encoder, media_type = choose_encoder(accept)
        if media_type.startswith(OPENMETRICS):
            directory = _Exposition.directory
            collector = (
                _Exposition.registry if directory is None else _WithExemplars(_Exposition.registry, directory)
            )
            return encoder(collector), media_type
    return generate_latest(_Exposition.registry), CONTENT_TYPE
