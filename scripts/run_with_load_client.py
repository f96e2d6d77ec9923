"""`make run`: the server and the load client side by side, both printing here, both stopped by Ctrl-C.

The server migrates its database and starts as `python -m server` does anywhere (on the embedded SQLite
file unless DATABASE_URL says otherwise); the load client then runs against it until interrupted. The
server logs at `warning` unless LOG_LEVEL says otherwise, so that the load client's reports stay legible.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from devtools.server import ServerProcess
from server.config.paths import PROJECT_ROOT

INTERRUPT_GRACE_S = 3.0


def main() -> int:
    server = ServerProcess(
        os.environ.get("DATABASE_URL", ""),
        port=int(os.environ.get("PORT", "8000")),
        env={"LOG_LEVEL": os.environ.get("LOG_LEVEL", "warning")},
        show_output=True,
    ).start()
    print(
        f"server up on {server.base_url} (Swagger UI at {server.base_url}/ui); load client starting",
        flush=True,
    )
    client = subprocess.Popen(
        [sys.executable, "-m", "loadclient", "--base-url", server.base_url, *sys.argv[1:]], cwd=PROJECT_ROOT
    )
    try:
        return client.wait()
    except KeyboardInterrupt:
        _interrupt(client)
        return client.wait()
    finally:
        server.stop(signal.SIGINT, grace_s=INTERRUPT_GRACE_S)


def _interrupt(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C in a terminal reaches the whole process group: only signal a child that did not get it."""
    try:
        process.wait(timeout=INTERRUPT_GRACE_S)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)


if __name__ == "__main__":
    sys.exit(main())
