"""Process settings, read from the environment so that every uvicorn worker sees the same values."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "service.sqlite3"

_TRUE = {"1", "true", "yes", "on"}


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in _TRUE


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    host: str
    port: int
    workers: int
    log_level: str
    pool_size: int
    validate_responses: bool

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("DATABASE_URL") or None,
            host=os.environ.get("HOST", "127.0.0.1"),
            port=int(os.environ.get("PORT", "8000")),
            workers=int(os.environ.get("WORKERS", "1")),
            log_level=os.environ.get("LOG_LEVEL", "info").lower(),
            # One connection per concurrent request is what keeps p99 flat: size it to the expected load.
            pool_size=int(os.environ.get("DB_POOL_SIZE", "32")),
            validate_responses=_flag("VALIDATE_RESPONSES", False),
        )
