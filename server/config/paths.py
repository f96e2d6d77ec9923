"""Where the project's files are: one root, from which every other module finds the contract and its data."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = PROJECT_ROOT / "openapi" / "openapi.yaml"
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "service.sqlite3"
