"""Run `python -m server` as a real process on a free port, the way users and containers start it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

from devtools.ports import free_port
from devtools.processes import answers_ok, stop_process
from server.config.paths import PROJECT_ROOT

STARTUP_TIMEOUT_S = 30.0


class ServerProcess:
    def __init__(
        self,
        database_url: str,
        *,
        workers: int = 1,
        port: int | None = None,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
        show_output: bool = False,
    ) -> None:
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._workers = workers
        self._env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "warning",
            **(env or {}),
        }
        self._log_path = log_path
        self._show_output = show_output
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def start(self) -> ServerProcess:
        log: IO[bytes] | int | None = None
        if not self._show_output:
            if self._log_path:
                self._log = log = open(self._log_path, "ab")  # noqa: SIM115 (closed by stop())
            else:
                log = subprocess.DEVNULL
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server",
                "--port",
                str(self.port),
                "--workers",
                str(self._workers),
            ],
            cwd=PROJECT_ROOT,
            env=self._env,
            stdout=log,
            stderr=log,
        )
        if answers_ok(self._process, f"{self.base_url}/healthz", STARTUP_TIMEOUT_S):
            return self
        if self._process.poll() is not None:
            raise RuntimeError(f"server exited with {self._process.returncode} during startup")
        self.stop()
        raise RuntimeError(f"server did not answer on {self.base_url} within {STARTUP_TIMEOUT_S}s")

    def send_signal(self, sig: signal.Signals) -> None:
        """Send a signal and return at once (stop() waits for the exit)."""
        assert self._process is not None
        self._process.send_signal(sig)

    def stop(self, sig: signal.Signals = signal.SIGTERM, grace_s: float = 0.0) -> int:
        """Signal the server unless it exits by itself within `grace_s`, then wait for it."""
        assert self._process is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=grace_s)
        returncode = stop_process(self._process, sig)
        if self._log is not None:
            self._log.close()
            self._log = None
        return returncode

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
