"""The import contracts in pyproject.toml hold on the code, and an import that breaks one fails the lint."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from server.config.paths import PROJECT_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
# The root packages the contracts name must all be importable from the copy.
PACKAGES = ("server", "loadclient", "bench", "scripts", "devtools", "tests")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(PROJECT_ROOT / "pyproject.toml"), "--no-cache"],
        cwd=root,
        # The copy comes first on the path, ahead of the installed (editable) project.
        # Wide enough that no contract's name is wrapped in the report.
        env={**os.environ, "PYTHONPATH": str(root), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    for package in PACKAGES:
        shutil.copytree(PROJECT_ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _with_module(project_copy: Path, module: str, source: str, tmp_path: Path) -> Path:
    """A fresh copy of the project with one module added."""
    root = tmp_path / "project"
    shutil.copytree(project_copy, root)
    (root / Path(*module.split("."))).with_suffix(".py").write_text(source)
    return root


def test_the_code_keeps_every_contract(project_copy: Path) -> None:
    result = _lint(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "contract", "import_line"),
    [
        (
            "server.db.violation",
            "from server.handlers import records\n",
            "server's layers: each imports only the layers below it",
            "server.db.violation -> server.handlers.records",
        ),
        (
            "server.db.violation",
            "import starlette.responses\n",
            "The data layer imports nothing of HTTP, the contract, the handlers or the chat",
            "server.db.violation -> starlette",
        ),
        (
            "server.http.violation",
            "import psycopg\n",
            "Only the data layer and the chat's fan-out talk to a database driver",
            "server.http.violation -> psycopg",
        ),
        (
            "server.handlers.violation",
            "from server.observability.tracing import provider\n",
            "Tracing is wired in server/app.py alone",
            "server.handlers.violation -> server.observability.tracing.provider",
        ),
        (
            # The module replaced by one that reads the context it carries.
            "server.chat.rooms",
            "from opentelemetry import trace\n",
            "The chat's fan-out and rooms know nothing of OpenTelemetry",
            "server.chat.rooms -> opentelemetry",
        ),
        (
            "server.violation",
            "import devtools.ports\n",
            "server imports nothing of loadclient, bench, scripts, devtools or tests",
            "server.violation -> devtools.ports",
        ),
        (
            "bench.violation",
            "from tests.utils import records\n",
            "Nothing outside tests/ imports tests/",
            "bench.violation -> tests.utils.records",
        ),
        (
            "loadclient.violation",
            "from server.config import settings\n",
            "The load client talks to the service over HTTP only",
            "loadclient.violation -> server.config.settings",
        ),
    ],
    ids=["db-imports-handlers", "db-imports-starlette", "http-imports-driver", "handlers-import-tracing",
         "rooms-import-opentelemetry", "server-imports-devtools", "bench-imports-tests",
         "loadclient-imports-server"],
)  # fmt: skip
def test_a_forbidden_import_fails_the_lint_naming_its_contract(
    project_copy: Path, tmp_path: Path, module: str, source: str, contract: str, import_line: str
) -> None:
    result = _lint(_with_module(project_copy, module, source, tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken
    assert import_line in broken
