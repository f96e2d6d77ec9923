"""Command line: `python -m server` serves the API, `python -m server migrate` applies migrations."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import get_args

import uvicorn
from sqlalchemy.exc import OperationalError

from server.config.database_url import UnsupportedDatabaseUrl, database_target
from server.config.log_config import log_config
from server.config.settings import LogLevel, Settings, SettingsError
from server.config.tokens import api_tokens
from server.db import migrations
from server.observability.metrics_directory import prepare_metrics_directory

GRACEFUL_SHUTDOWN_S = 10
# The chat's frames: the protocol layer refuses (close 1009) anything this large before buffering it, far
# above CHAT_MAX_MESSAGE_BYTES (at most 5,900), which the chat checks itself with its own close reason.
WS_MAX_FRAME_BYTES = 64 * 1024
# permessage-deflate compresses every relayed frame once per receiver: measured with bench.chat (50
# clients at 5 messages/s each), it cost the server 1.5 s of CPU per run against 1.0 s without, for chat
# messages that are short.
WS_COMPRESSION = False


def _parse_args(argv: list[str], settings: Settings) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="serve the API (the default)")
    for target in (parser, serve):
        target.add_argument("--host", default=settings.host, help="bind address (HOST)")
        target.add_argument("--port", type=int, default=settings.port, help="port (PORT)")
        target.add_argument(
            "--workers", type=int, default=settings.workers, help="worker processes (WORKERS)"
        )
        target.add_argument(
            "--log-level",
            default=settings.log_level,
            choices=get_args(LogLevel),
            help="the least severe messages logged (LOG_LEVEL); access lines are ACCESS_LOG's",
        )
    migrate = commands.add_parser("migrate", help="apply the database migrations")
    migrate.add_argument("revision", nargs="?", default="head")
    return parser.parse_args(argv)


def _check_migrated(settings: Settings) -> str | None:
    """Why the server must not start on this database, or None when it may."""
    if database_target(settings.database_url).backend == "sqlite":
        # The embedded default has no operator to run migrations: bring it up to date here.
        migrations.upgrade(settings.database_url)
        return None
    current, head = migrations.current_revision(settings.database_url), migrations.head_revision()
    state = migrations.schema_state(current)
    if state == "behind":
        return (
            f"database schema is at revision {current or 'none'}, the server needs {head}: "
            "run `python -m server migrate` with the same DATABASE_URL first"
        )
    if state == "ahead":
        # A newer release migrated (mid-rollout, or this release rolled back): its migrations are
        # expand/contract, so this release still runs on that schema.
        print(
            f"warning: database schema is at revision {current}, newer than this server's {head}: "
            "serving on it (migrations are expand/contract, docs/kubernetes.md)",
            file=sys.stderr,
        )
    return None


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parse_args(sys.argv[1:] if argv is None else argv, Settings.from_env())
        # Workers are separate processes that build the app from the environment: hand the options down,
        # and check them as the workers will.
        if args.command != "migrate":
            os.environ.update(
                HOST=args.host, PORT=str(args.port), WORKERS=str(args.workers), LOG_LEVEL=args.log_level
            )
        settings = Settings.from_env()
        # Read here to refuse a bad token or file before any worker starts; each worker reads them again.
        api_tokens(settings)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        if args.command == "migrate":
            migrations.upgrade(settings.database_url, args.revision)
            return 0
        refusal = _check_migrated(settings)
    except UnsupportedDatabaseUrl as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OperationalError as error:
        reason = " ".join(str(error.orig).split())
        print(f"error: cannot reach the database: {reason}", file=sys.stderr)
        return 1
    if refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return 1
    # uvicorn re-raises Ctrl-C once it has shut down gracefully: that is a clean exit, not a crash.
    prepare_metrics_directory(settings.prometheus_multiproc_dir, settings.port)
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.run(
            "server.asgi:app",
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level=settings.log_level,
            log_config=log_config(settings.log_level, settings.log_format),
            # ACCESS_LOG's layer writes the access lines: uvicorn's cost a quarter of the throughput.
            access_log=False,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
            # httptools, answering a malformed request (400) and overload (503) as problem documents.
            http="server.http.protocol:ProblemHttpToolsProtocol",
            ws_max_size=WS_MAX_FRAME_BYTES,
            ws_per_message_deflate=WS_COMPRESSION,
            # What the app cannot bound itself; header size and header read time are the reverse
            # proxy's (docs/operations.md, "Guarantees and limits").
            limit_concurrency=settings.limit_concurrency,
            timeout_keep_alive=settings.keep_alive_s,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
