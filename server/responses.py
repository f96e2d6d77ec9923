"""JSON and RFC 9457 problem responses, serialised with orjson."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

PROBLEM_MEDIA_TYPE = "application/problem+json"


def json_response(content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type="application/json", headers=headers)


def problem_body(status: int, title: str, detail: str | None = None) -> bytes:
    document: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail is not None:
        document["detail"] = detail
    return orjson.dumps(document)


def problem(
    status: int, title: str, detail: str | None = None, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        problem_body(status, title, detail),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )
