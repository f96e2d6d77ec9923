"""A compose service's command run as a local process: its environment, local addresses swapped in."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from devtools.otlp import OtlpReceiver
from devtools.ports import free_port
from devtools.processes import answers_ok, stop_process
from server.config.paths import PROJECT_ROOT
from tests.utils.nginx import NginxProcess, local_upstream_servers

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
        # A session of its own: `kill` reaches the service's worker processes too, as a container's end does.
        self._process = subprocess.Popen(
            self.command,
            cwd=PROJECT_ROOT,
            env=self.environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
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

    def kill(self) -> int:
        """SIGKILL to every process of the service at once, as when its container is killed.

        Killing the command's own process alone would leave uvicorn's workers serving, orphaned.
        """
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.stop()

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
    replicas: list[LocalService] = field(default_factory=list)

    def start_replica(self, index: int) -> LocalService:
        """Start API replica `index` on its own address (again, after it stopped), healthy on return."""
        port = self.api_urls[index].rpartition(":")[2]
        local = {
            "DATABASE_URL": self.database_url,
            "HOST": "127.0.0.1",
            "PORT": port,
            "OTEL_EXPORTER_OTLP_ENDPOINT": self.collector.endpoint,
        }
        # Appended to: a restarted replica's output follows its predecessor's.
        replica = LocalService(self.services["api"], local, self.run_dir / f"api-{index}.log").start()
        if index < len(self.replicas):
            self.replicas[index] = replica
        else:
            self.replicas.append(replica)
        replica.wait_healthy(f"{self.api_urls[index]}/healthz")
        return replica


@contextlib.contextmanager
def running_system(
    services: dict[str, dict[str, Any]], database_url: str, nginx_binary: str, run_dir: Path
) -> Iterator[LocalSystem]:
    """Every API replica compose runs, each on a free local port, and the proxy's template before them.

    Only addresses change: the proxy's server lines keep the parameters compose gives them, and the
    traces go to a local OTLP receiver in the collector's place.
    """
    api_urls = [f"http://127.0.0.1:{free_port()}" for _ in range(services["api"]["deploy"]["replicas"])]
    proxy_port = free_port()
    proxy_environment = {
        **{name: str(value) for name, value in services["proxy"]["environment"].items()},
        "NGINX_PORT": str(proxy_port),
        "API_UPSTREAM_SERVERS": local_upstream_servers(
            services["proxy"]["environment"]["API_UPSTREAM_SERVERS"],
            [url.removeprefix("http://") for url in api_urls],
        ),
    }
    proxy_dir = run_dir / "proxy"
    proxy_dir.mkdir()
    proxy = NginxProcess(nginx_binary, proxy_environment, proxy_port, proxy_dir)
    with OtlpReceiver() as collector:
        system = LocalSystem(services, database_url, api_urls, proxy, run_dir, collector)
        try:
            for index in range(len(api_urls)):
                system.start_replica(index)
            proxy.start()
            yield system
        finally:
            proxy.stop()
            for replica in system.replicas:
                replica.stop()
