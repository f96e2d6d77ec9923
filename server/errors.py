"""Error handlers that keep every failure an RFC 9457 problem with the status the contract documents."""

from __future__ import annotations

import logging

import psycopg
from connexion.exceptions import BadRequestProblem
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from server.responses import PROBLEM_MEDIA_TYPE, problem_body

logger = logging.getLogger(__name__)

DATABASE_RETRY_AFTER_S = "1"
# jsonschema quotes the offending value whole: a 1000-record batch would come back in the detail.
MAX_DETAIL_LENGTH = 500

# Failures that mean the database is out of reach rather than that the request is wrong.
DATABASE_UNAVAILABLE = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    ConnectionError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)


def _problem(status: int, title: str, detail: str | None, **headers: str) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status,
        body=problem_body(status, title, detail),
        content_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def unprocessable(_request: ConnexionRequest, error: Exception) -> ConnexionResponse:
    """Connexion reports every validation failure, malformed JSON included, as 400: the contract says 422."""
    detail = error.detail if isinstance(error, BadRequestProblem) else str(error)
    if len(detail) > MAX_DETAIL_LENGTH:
        detail = f"{detail[: MAX_DETAIL_LENGTH // 2]} … {detail[-MAX_DETAIL_LENGTH // 2 :]}"
    return _problem(422, "Unprocessable Content", detail)


def database_unavailable(_request: ConnexionRequest, error: Exception) -> ConnexionResponse:
    # One line, not a traceback: during an outage every request lands here.
    logger.error("database unavailable: %s: %s", type(error).__name__, " ".join(str(error).split()))
    return _problem(
        503,
        "Service Unavailable",
        "the database cannot be reached; retry later",
        **{"Retry-After": DATABASE_RETRY_AFTER_S},
    )
