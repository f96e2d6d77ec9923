"""Before `make up` and `make down`: say in one line what is missing, and give Grafana a password of its own.

- Docker's client, its Compose v2 plugin and a running engine are checked first: without the plugin,
  `docker compose up --build` printed `unknown flag: --build` and Docker's usage, which says nothing of
  what to install.
- `make up` writes a random GRAFANA_ADMIN_PASSWORD into `.env` the first time, and prints it once:
  docker-compose.yml has no default for it, so Grafana never starts as admin/admin. A password already in
  `.env` or in the environment is left alone.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

ENV_FILE = Path(".env")
PASSWORD_VARIABLE = "GRAFANA_ADMIN_PASSWORD"
COMPOSE_HELP = "https://docs.docker.com/compose/install/ (the plugin: Debian's docker-compose-plugin)"


class Missing(Exception):
    """What the machine lacks for compose, in one line."""


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)


def check_docker(docker: str = "docker") -> None:
    if shutil.which(docker) is None:
        raise Missing(
            f"`{docker}` is not installed: install Docker (https://docs.docker.com/engine/install/)"
        )
    if _run(docker, "compose", "version").returncode != 0:
        raise Missing(f"Docker Compose v2 (`{docker} compose`) is missing: install it, {COMPOSE_HELP}")
    if _run(docker, "info").returncode != 0:
        raise Missing(
            "the Docker engine is not running or not reachable: start it (`systemctl start docker`)"
        )


def _configured_password(env_file: Path) -> str:
    if os.environ.get(PASSWORD_VARIABLE):
        return os.environ[PASSWORD_VARIABLE]
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            name, _, value = line.partition("=")
            if name.strip() == PASSWORD_VARIABLE and value.strip():
                return value.strip()
    return ""


def ensure_grafana_password(env_file: Path = ENV_FILE) -> str | None:
    """The password written to env_file now, or None when one was already configured."""
    if _configured_password(env_file):
        return None
    password = secrets.token_urlsafe(18)
    existing = env_file.read_text() if env_file.exists() else ""
    separator = "" if not existing or existing.endswith("\n") else "\n"
    env_file.write_text(f"{existing}{separator}{PASSWORD_VARIABLE}={password}\n")
    env_file.chmod(0o600)
    return password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.compose_preflight", description=__doc__)
    parser.add_argument("--grafana-password", action="store_true", help="write one into .env if none is set")
    args = parser.parse_args(argv)
    try:
        check_docker(os.environ.get("DOCKER", "docker"))
    except Missing as missing:
        print(f"make: {missing}", file=sys.stderr)
        return 1
    if args.grafana_password and (password := ensure_grafana_password()):
        print(f"Grafana's admin password, written to .env (shown once): {password}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
