"""The directory where worker processes write their metrics, prepared by the launcher before they start.

This module must not import prometheus_client: the launcher serves in its own process when it runs one
worker, and prometheus_client reads PROMETHEUS_MULTIPROC_DIR once, when it is first imported.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


@contextlib.contextmanager
def metrics_directory(configured: Path | None) -> Iterator[Path]:
    """Create and empty the directory, and point the workers at it for as long as the block runs.

    Files left by an earlier run would add its counts to this one's. A configured directory keeps
    anything that is not a metrics file; without one, a fresh temporary directory is used and removed.
    """
    if configured is None:
        directory = Path(tempfile.mkdtemp(prefix="records-shop-metrics-"))
    else:
        directory = configured
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
    os.environ[VARIABLE] = str(directory)
    try:
        yield directory
    finally:
        if configured is None:
            shutil.rmtree(directory, ignore_errors=True)
