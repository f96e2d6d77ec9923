"""Where the project's files are: one root, from which every other module finds the contract and its data."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = PROJECT_ROOT / "openapi" / "openapi.yaml"
ASYNCAPI_PATH = PROJECT_ROOT / "openapi" / "asyncapi.yaml"
# The contracts' reference pages, built by `make docs` and committed: the image has no Node.js to build them.
REFERENCE_DIR = PROJECT_ROOT / "docs" / "api"
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "service.sqlite3"
