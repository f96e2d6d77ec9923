"""Assertions every hostile test makes: the answer is our problem shape, and the server still serves."""

from __future__ import annotations

import time
from http import HTTPStatus
from typing import Any

import httpx

# What a normal request costs on an idle test server is a few milliseconds; a stalled loop is seconds.
USUAL_ANSWER_S = 1.0


def assert_problem(response: httpx.Response, status: int, mentions: str | None = None) -> dict[str, Any]:
    """The response is an RFC 9457 problem of this status, titled as its status line says."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert set(problem) <= {"type", "title", "status", "detail"}
    assert problem["type"] == "about:blank"
    assert problem["status"] == status
    assert problem["title"] == HTTPStatus(status).phrase == response.reason_phrase
    if mentions is not None:
        assert mentions in problem["detail"], problem
    return problem


def assert_still_serving(base_url: str, headers: dict[str, str] | None = None) -> None:
    """A normal request right after is answered, and within its usual time (`headers`: the token, if any)."""
    started = time.monotonic()
    response = httpx.get(f"{base_url}/10", timeout=10, headers=headers)
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert elapsed < USUAL_ANSWER_S, f"a normal request took {elapsed:.2f} s"
