"""Child processes we start (servers, Prometheus, nginx): waiting for them to answer, stopping them."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from typing import Any

import httpx


def answers_ok(process: subprocess.Popen[Any], url: str, timeout_s: float) -> bool:
    """Whether `url` answered 200 within timeout_s; False at once if the process exits first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        time.sleep(0.1)
    return False


def stop_process(
    process: subprocess.Popen[Any], sig: signal.Signals = signal.SIGTERM, timeout_s: float = 15.0
) -> int:
    """Signal the process if it still runs, wait up to timeout_s, then kill it; its exit status."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode
