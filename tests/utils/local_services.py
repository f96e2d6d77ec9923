"""A compose service's command run as a local process: its environment, local addresses swapped in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from devtools.processes import answers_ok, stop_process
from server.config.paths import PROJECT_ROOT
from tests.utils.nginx import NginxProcess
from tests.utils.otlp import OtlpReceiver

STARTUP_TIMEOUT_S = 60.0


def local_command(service: dict[str, Any]) -> list[str]:
    """The service's command with `python` being this interpreter, which has the project installed."""
    command = [str(part) for part in service["command"]]
    return [sys.executable, *command[1:]] if command[0] == "python" else command


def local_environment(service: dict[str, Any], overrides: dict[str, str]) -> dict[str, str]:
    """This process's environment (PATH, coverage hooks), the service's, then the local addresses."""
    return {**os.environ, **{k: str(v) for k, v in (service.get("environment") or {}).items()}, **overrides}


def run_to_completion(service: dict[str, Any], overrides: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        local_command(service),
        cwd=PROJECT_ROOT,
        env=local_environment(service, overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


class LocalService:
    """A long-running service's command, output in a log file; `wait_healthy` polls an HTTP URL."""

    def __init__(self, service: dict[str, Any], overrides: dict[str, str], log_path: Path) -> None:
        self.command = local_command(service)
        self.environment = local_environment(service, overrides)
        self.log_path = log_path
        self._log: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def process(self) -> subprocess.Popen[bytes]:
        assert self._process is not None, "not started"
        return self._process

    def start(self) -> LocalService:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed by stop())
        self._process = subprocess.Popen(
            self.command, cwd=PROJECT_ROOT, env=self.environment, stdout=self._log, stderr=subprocess.STDOUT
        )
        return self

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_healthy(self, url: str, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
        if answers_ok(self.process, url, timeout_s):
            return
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.command} exited with {self.process.returncode}:\n{self.output()}")
        raise RuntimeError(f"{url} did not answer 200 within {timeout_s}s:\n{self.output()}")

    def wait_for_line(self, prefix: str, timeout_s: float) -> str:
        """The first line of output starting with `prefix`, waiting for it up to `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for line in self.output().splitlines():
                if line.startswith(prefix):
                    return line
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no line starting with {prefix!r} within {timeout_s}s:\n{self.output()}")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Signal the process, wait for it (killing it after 20 s), and return its exit status."""
        returncode = stop_process(self.process, sig, timeout_s=20)
        if self._log is not None:
            self._log.close()
            self._log = None
        return returncode


@dataclass
class LocalSystem:
    """The compose services run locally: the migrated database, the API replicas, the proxy before them."""

    services: dict[str, dict[str, Any]]
    database_url: str
    api_urls: list[str]
    proxy: NginxProcess
    run_dir: Path
    # What stands in for the otel-collector service: the traces the processes export land here.
    collector: OtlpReceiver
