"""Logging: one format for our loggers and uvicorn's, in every worker, as text or as JSON lines."""

from __future__ import annotations

import json
import logging
import logging.config
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from devtools.server import ServerProcess
from server.config.log_config import log_config
from server.db import migrations


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """dictConfig replaces the process's handlers: put pytest's back afterwards."""
    root = logging.getLogger()
    saved = {name: (logger.handlers[:], logger.level, logger.propagate) for name, logger in _loggers()}
    root_handlers = root.handlers[:]
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers, logger.level, logger.propagate = handlers, level, propagate
    root.handlers = root_handlers


def _loggers() -> Iterator[tuple[str, logging.Logger]]:
    for name in log_config("info", "text")["loggers"]:
        yield name, logging.getLogger(name)


def test_text_lines_carry_time_level_logger_and_process(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.config.dictConfig(log_config("info", "text"))
    logging.getLogger("server.http.problems").error("database unavailable: X")
    line = capsys.readouterr().err.strip()
    assert " ERROR server.http.problems [" in line
    assert line.endswith("] database unavailable: X")
    assert line[:4].isdigit()


def test_json_lines_are_one_document_each(restore_logging: None, capsys: pytest.CaptureFixture[str]) -> None:
    logging.config.dictConfig(log_config("warning", "json"))
    logging.getLogger("server.http.problems").error("database unavailable: X")
    logging.getLogger("server.http.problems").info("below the level")
    (line,) = capsys.readouterr().err.strip().splitlines()
    document = json.loads(line)
    assert document["level"] == "ERROR"
    assert document["name"] == "server.http.problems"
    assert document["message"] == "database unavailable: X"
    assert {"asctime", "process"} <= document.keys()


def test_connexion_does_not_log_every_client_error_again(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.config.dictConfig(log_config("info", "text"))
    logging.getLogger("connexion.middleware.exceptions").warning("422 again")
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_every_worker_logs_an_outage_as_one_json_line(
    postgres_database: Callable[[str], str], tmp_path: Path
) -> None:
    url = postgres_database("logging_outage")
    migrations.upgrade(url)
    log = tmp_path / "server.log"
    with ServerProcess(
        url, workers=2, env={"LOG_FORMAT": "json", "LOG_LEVEL": "info", "ACCESS_LOG": "true"}, log_path=log
    ) as server:
        # Each request on a new connection: the workers take turns accepting them.
        healthy = {httpx.get(f"{server.base_url}/0").status_code for _ in range(20)}
        _drop_database(url)
        # The pool waits up to its timeout for a connection it cannot open.
        statuses = {httpx.get(f"{server.base_url}/0", timeout=30).status_code for _ in range(2)}
    assert healthy == {200}
    assert statuses == {503}
    # Python's own warnings go to stderr unformatted; every log record is a JSON line.
    documents = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    outages = [doc for doc in documents if doc["name"] == "server.http.problems"]
    assert outages, "no outage line logged"
    assert all(
        doc["level"] == "ERROR" and doc["message"].startswith("database unavailable") for doc in outages
    )
    access = [doc for doc in documents if doc["name"] == "server.observability.access_log"]
    assert len({doc["process"] for doc in access}) == 2


def _drop_database(url: str) -> None:
    server_url, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_a_json_line_written_inside_a_span_carries_its_trace_and_span_ids(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.config.dictConfig(log_config("info", "json"))
    with TracerProvider().get_tracer(__name__).start_as_current_span("request") as span:
        logging.getLogger("server.http.problems").error("database unavailable: X")
    document = json.loads(capsys.readouterr().err)
    context = span.get_span_context()
    assert document["trace_id"] == trace.format_trace_id(context.trace_id)
    assert document["span_id"] == trace.format_span_id(context.span_id)


def test_a_json_line_written_outside_any_span_has_no_trace_ids(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.config.dictConfig(log_config("info", "json"))
    logging.getLogger("server.http.problems").error("database unavailable: X")
    document = json.loads(capsys.readouterr().err)
    assert "trace_id" not in document
    assert "span_id" not in document
