"""Logging for every process of the service: one format for our loggers and uvicorn's, text or JSON.

Handed to uvicorn as its `log_config`, which it applies in the main process and again in every worker it
spawns: configured anywhere else, workers would log through Python's last-resort handler.
"""

from __future__ import annotations

from typing import Any

from server.config.settings import LogFormat, LogLevel

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"
# python-json-logger takes these attribute names as the JSON document's keys.
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"


def log_config(level: LogLevel, log_format: LogFormat) -> dict[str, Any]:
    formatter: dict[str, Any] = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": JSON_FIELDS,
            "rename_fields": {"levelname": "level"},
        }
        if log_format == "json"
        else {"format": TEXT_FORMAT}
    )
    handler: dict[str, Any] = {
        "class": "logging.StreamHandler",
        "formatter": "service",
        "stream": "ext://sys.stderr",
    }
    # A JSON line written inside a traced request carries its trace_id and span_id (python-json-logger
    # writes every attribute a filter adds to the record).
    if log_format == "json":
        handler["filters"] = ["trace_ids"]
    logger = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"service": formatter},
        "filters": {"trace_ids": {"()": "server.config.trace_ids.TraceIds"}},
        "handlers": {"default": handler},
        "loggers": {
            "server": logger,
            "loadclient": logger,
            "uvicorn": logger,
            "uvicorn.error": {"level": level.upper()},
            # Every 4xx already has an access-log line; Connexion would add a warning with the exception.
            "connexion.middleware.exceptions": {**logger, "level": "ERROR"},
            "connexion": logger,
            # psycopg_pool logs every checkout at info; its warnings (a discarded connection) are ours.
            "psycopg": {**logger, "level": "WARNING" if level in ("info", "debug") else level.upper()},
        },
    }
