"""JSON responses and the one builder of RFC 9457 problem responses, serialised with orjson."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from starlette.responses import Response

PROBLEM_MEDIA_TYPE = "application/problem+json"
# jsonschema quotes the offending value whole: a 1000-record batch would come back in the detail.
MAX_DETAIL_LENGTH = 500


def json_response(content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type="application/json", headers=headers)


def problem(status: int, detail: str | None = None, headers: Mapping[str, str] | None = None) -> Response:
    """Every error the service answers, whoever detects it: one shape, one title per status.

    The title is the reason phrase of the status line uvicorn writes (Python's `HTTPStatus`), so the two
    never disagree; a detail longer than MAX_DETAIL_LENGTH keeps its start and its end.
    """
    document: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    if detail is not None:
        if len(detail) > MAX_DETAIL_LENGTH:
            detail = f"{detail[: MAX_DETAIL_LENGTH // 2]} … {detail[-MAX_DETAIL_LENGTH // 2 :]}"
        document["detail"] = detail
    body = orjson.dumps(document)
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)
