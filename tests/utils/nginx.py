"""nginx as a local process on deploy/nginx's templates, rendered the way the official image renders them.

The image's entrypoint runs `20-envsubst-on-templates.sh` (copied here unchanged from
github.com/nginxinc/docker-nginx, commit b430becb8f0f6b8d69e68cc73a82ea2873c38639, BSD-2-Clause) over
/etc/nginx/templates into /etc/nginx/conf.d, which the image's nginx.conf includes inside `http {}`. This
runs that same script with its directories pointed elsewhere, and a main configuration shaped like the
image's, with its paths moved into a scratch directory so nginx runs unprivileged and on a free port.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import time
from pathlib import Path
from typing import IO

from devtools.processes import stop_process
from server.config.paths import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "deploy" / "nginx" / "templates"
ENVSUBST_SCRIPT = Path(__file__).with_name("nginx-20-envsubst-on-templates.sh")
STARTUP_TIMEOUT_S = 10.0

# The image's /etc/nginx/nginx.conf, less mime types and sendfile, with every path in the run directory.
MAIN_CONFIGURATION = """\
{user}
worker_processes 2;
daemon off;
pid {run}/nginx.pid;
error_log {run}/error.log notice;
events {{
    worker_connections 1024;
}}
http {{
    default_type application/octet-stream;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    keepalive_timeout 65;
    include {run}/conf.d/*.conf;
}}
"""


class NginxUnavailable(RuntimeError):
    pass


def local_upstream_servers(compose_servers: str, addresses: list[str]) -> str:
    """Compose's `server NAME:PORT resolve PARAMETERS;` as one server line per local address.

    The parameters stay as compose sets them; `resolve` goes, since a static address needs no resolving
    (and Debian's nginx 1.22 lacks it).
    """
    found = re.fullmatch(r"server \S+((?: \S+)*);", compose_servers.strip())
    assert found, f"one server line in compose's API_UPSTREAM_SERVERS: {compose_servers!r}"
    parameters = "".join(f" {part}" for part in found[1].split() if part != "resolve")
    return " ".join(f"server {address}{parameters};" for address in addresses)


def render_templates(environment: dict[str, str], output_dir: Path) -> None:
    """Run the image's envsubst step with exactly this environment (it substitutes only what is set)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["sh", str(ENVSUBST_SCRIPT)],
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "NGINX_ENVSUBST_TEMPLATE_DIR": str(TEMPLATES),
            "NGINX_ENVSUBST_OUTPUT_DIR": str(output_dir),
            **environment,
        },
        check=True,
        capture_output=True,
        timeout=30,
    )


class NginxProcess:
    """`nginx` in the foreground on the rendered templates; its stdout (the access log) in `stdout.log`."""

    def __init__(self, binary: str, environment: dict[str, str], port: int, run_dir: Path) -> None:
        self.binary = binary
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.run_dir = run_dir
        self.access_log = run_dir / "stdout.log"
        self._environment = environment
        self._process: subprocess.Popen[bytes] | None = None
        self._stdout: IO[bytes] | None = None

    @property
    def configuration(self) -> Path:
        return self.run_dir / "nginx.conf"

    def start(self) -> NginxProcess:
        render_templates(self._environment, self.run_dir / "conf.d")
        # Root's workers would drop to `nobody`, who cannot enter pytest's private temporary directories.
        user = "user root;" if os.geteuid() == 0 else ""
        self.configuration.write_text(MAIN_CONFIGURATION.format(user=user, run=self.run_dir))
        command = [self.binary, "-p", str(self.run_dir), "-e", str(self.run_dir / "error.log")]
        check = subprocess.run(
            [*command, "-t", "-c", str(self.configuration)], capture_output=True, text=True, timeout=30
        )
        if check.returncode != 0:
            raise NginxUnavailable(f"nginx -t refused the configuration: {check.stderr.strip()}")
        self._stdout = open(self.access_log, "ab")  # noqa: SIM115 (closed by stop())
        self._process = subprocess.Popen(
            [*command, "-c", str(self.configuration)], stdout=self._stdout, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise NginxUnavailable(f"nginx exited with {self._process.returncode}: {self.errors()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1):
                return self
            time.sleep(0.1)
        self.stop()
        raise NginxUnavailable(f"nginx did not listen on {self.port} within {STARTUP_TIMEOUT_S}s")

    def errors(self) -> str:
        log = self.run_dir / "error.log"
        return log.read_text() if log.exists() else ""

    def upstreams_in_access_log(self) -> list[str]:
        """The `upstream=` field of every access-log line so far, in order."""
        return [
            field.removeprefix("upstream=")
            for line in self.access_log.read_text().splitlines()
            for field in line.split()
            if field.startswith("upstream=")
        ]

    def stop(self) -> None:
        if self._process is not None:
            stop_process(self._process, timeout_s=10)
        if self._stdout is not None:
            self._stdout.close()
            self._stdout = None

    def __enter__(self) -> NginxProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
