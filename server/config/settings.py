"""Process settings: one typed object read from the environment, checked before anything starts.

Every uvicorn worker is a separate process that builds the app from the environment, so the environment
is the one source; `python -m server` writes its command-line options back into it for the workers.
pydantic-settings (rather than starlette.config's casts) because the values need more than a cast:
ranges, choices and case-folding, and a failure must name the variable, the value and what is accepted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["critical", "error", "warning", "info", "debug"]
LogFormat = Literal["text", "json"]
Port = Annotated[int, Field(ge=0, le=65535)]


class SettingsError(ValueError):
    """A setting that cannot be used, explained in one line."""


class Settings(BaseSettings):
    """Every setting of the service; the environment variable is the field name in capitals."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    # None: the embedded SQLite file (server.config.paths.DEFAULT_SQLITE_PATH).
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: Port = 8000
    workers: Annotated[int, Field(ge=1, le=64)] = 1
    log_level: LogLevel = "info"
    log_format: LogFormat = "text"
    # One line per request (server.observability.access_log), in LOG_FORMAT, whatever LOG_LEVEL says. Off by
    # default: the proxy in front of the service (deploy/nginx, an ingress) already logs every request with
    # the replica that served it, and `make run`'s terminal would scroll with thousands of lines a second.
    access_log: bool = False
    # Most connections per worker. PostgreSQL's default max_connections is 100: 2 workers x 2 replicas x 16
    # leave room for migrations and operators (two servers at 2 x 32 ran out and refused a migrate).
    db_pool_size: Annotated[int, Field(ge=1, le=1000)] = 16
    # Connections kept open when idle; those above it close after db_pool_max_idle_s without use.
    db_pool_min_size: Annotated[int, Field(ge=0, le=1000)] = 2
    db_pool_max_idle_s: Annotated[float, Field(gt=0)] = 60.0
    # PostgreSQL's statement_timeout; the client gives up on a silent server 1 s after it (503).
    db_statement_timeout_s: Annotated[float, Field(gt=0, le=600)] = 5.0
    # Largest request body: POST /new's 1000 records of 1000 characters with their uuids fit even when every
    # character is outside the Basic Multilingual Plane and JSON-escaped as a surrogate pair (12 bytes):
    # 12.06 MB. The proxy's client_max_body_size (deploy/nginx) is the same 13 MiB.
    max_body_bytes: Annotated[int, Field(ge=1024)] = 13 * 1024 * 1024
    # A request body must arrive whole within this many seconds of its first byte being awaited (408).
    body_read_timeout_s: Annotated[float, Field(gt=0)] = 30.0
    # A GET /all reader that accepts no chunk (5000 records, about 300 kB) for this long is cut off.
    stream_send_timeout_s: Annotated[float, Field(gt=0)] = 30.0
    # uvicorn: most connections and requests at once per worker (beyond: 503), and idle keep-alive.
    limit_concurrency: Annotated[int, Field(ge=1)] = 1000
    keep_alive_s: Annotated[int, Field(ge=1)] = 5
    # Validating every response costs a buffer and a re-validation: on in tests, off by default.
    validate_responses: bool = False
    # Count and time every request for GET /metrics; off only to measure what that costs (make bench).
    metrics: bool = True
    # Where the workers share their metrics, emptied at start; None: one under the temp dir per port.
    prometheus_multiproc_dir: Path | None = None
    # Bearer tokens every protected operation and the chat require (comma-separated), or a file of them, one
    # a line (a mounted secret); neither: the API is open (server.config.tokens, docs/configuration.md).
    api_tokens: str | None = None
    api_tokens_file: Path | None = None
    # Chat limits (openapi/asyncapi.yaml documents the close code of each). A NOTIFY payload carries up to
    # 5,877 bytes of text (server.chat.postgres.MAX_TEXT_BYTES), which caps the message size: 5,904 until the
    # trace context took its share, so the ceiling came down from 5900 to 5850, under it with room to spare.
    chat_max_message_bytes: Annotated[int, Field(ge=1, le=5850)] = 4096
    # A client sending faster is slowed to this rate; one slowed for chat_throttle_close_s on end is closed.
    chat_messages_per_second: Annotated[float, Field(gt=0)] = 20
    chat_throttle_close_s: Annotated[float, Field(gt=0)] = 60.0
    # Per room, counted across every server process on PostgreSQL (advisory-lock seats, server.chat.postgres).
    chat_max_connections_per_room: Annotated[int, Field(ge=1)] = 100
    # Messages waiting for one client; a client this far behind is dropped so the room never waits.
    chat_send_queue: Annotated[int, Field(ge=1)] = 256

    @field_validator(
        "database_url", "prometheus_multiproc_dir", "api_tokens", "api_tokens_file", mode="before"
    )
    @classmethod
    def _empty_means_default(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _case_insensitive(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @classmethod
    def from_env(cls) -> Settings:
        """The settings the environment asks for, or SettingsError naming the first bad variable."""
        try:
            return cls()
        except ValidationError as error:
            raise SettingsError(_explain(error)) from None


def _explain(error: ValidationError) -> str:
    first = error.errors()[0]
    variable = str(first["loc"][0]).upper() if first["loc"] else "settings"
    return f"{variable}={first['input']!r} is not accepted: {first['msg']}"
