"""The directory where worker processes write their metrics, prepared by the launcher before they start.

This module must not import prometheus_client: the launcher serves in its own process when it runs one
worker, and prometheus_client reads PROMETHEUS_MULTIPROC_DIR once, when it is first imported.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# The workers' exemplar files (server.observability.exemplars): not `*.db`, which prometheus_client reads.
EXEMPLAR_FILE_PREFIX = "exemplars_"
EXEMPLAR_FILE_SUFFIX = ".exemplars"


def default_metrics_directory(port: int) -> Path:
    """One directory per port: two servers cannot share a port, and restarts reuse it, so none pile up.

    Not a fresh temporary directory removed at exit: uvicorn ends a SIGTERM'd launcher by re-raising
    the signal, which skips any clean-up.
    """
    return Path(tempfile.gettempdir()) / f"records-shop-metrics-{port}"


def prepare_metrics_directory(configured: Path | None, port: int) -> Path:
    """Create and empty the directory, and point the workers (started after this) at it.

    Files left by an earlier run would add its counts (and its exemplars) to this one's; anything else in
    a configured directory is left alone.
    """
    directory = configured or default_metrics_directory(port)
    directory.mkdir(parents=True, exist_ok=True)
    for pattern in ("*.db", f"{EXEMPLAR_FILE_PREFIX}*{EXEMPLAR_FILE_SUFFIX}"):
        for stale in directory.glob(pattern):
            stale.unlink()
    os.environ[VARIABLE] = str(directory)
    return directory
