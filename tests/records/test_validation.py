"""Bad input to the records API gets a documented 4xx problem and changes nothing."""

from __future__ import annotations

import uuid

import httpx2
import pytest
from starlette.testclient import TestClient


def _assert_problem(response: httpx2.Response, status: int, mentions: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["type"] and problem["title"]
    if mentions is not None:
        assert mentions in problem["detail"]


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ([], "body: [] has less than 1 item"),
        ([{"text": "x"}] * 1001, "has more than 1000 items"),
        ([{}], 'body[0]: "text" is a required property'),
        (
            [{"text": "x", "junk": 1}],
            "body[0]: Additional properties are not allowed ('junk' was unexpected)",
        ),
        ([{"text": 5}], 'body[0].text: 5 is not of type "string"'),
        ([{"text": "x" * 1001}], "is longer than 1000 characters"),
        ([{"text": "nul\u0000inside"}], "body[0].text:"),
        ([{"uuid": "not-a-uuid", "text": "x"}], 'body[0].uuid: "not-a-uuid" does not match'),
        ({"text": "x"}, 'is not of type "array"'),
    ],
    ids=[
        "empty batch",
        "batch over 1000",
        "missing text",
        "unknown field",
        "text not a string",
        "text over 1000 characters",
        "NUL in text",
        "malformed uuid",
        "object instead of array",
    ],
)
def test_invalid_batch_answers_422_naming_the_problem(
    client: TestClient, body: object, mentions: str
) -> None:
    _assert_problem(client.post("/new", json=body), 422, mentions)
    assert client.get("/all").json() == []


def test_lone_surrogate_in_text_answers_422(client: TestClient) -> None:
    response = client.post(
        "/new", content=b'[{"text": "\\ud800"}]', headers={"content-type": "application/json"}
    )
    _assert_problem(response, 422, "not valid JSON")


def test_body_that_is_not_utf8_answers_422(client: TestClient) -> None:
    response = client.post(
        "/new", content=b'[{"text": "\xff"}]', headers={"content-type": "application/json"}
    )
    _assert_problem(response, 422, "not valid JSON")


def test_malformed_json_answers_422(client: TestClient) -> None:
    response = client.post("/new", content=b'[{"text": ', headers={"content-type": "application/json"})
    _assert_problem(response, 422)


def test_non_json_body_answers_415(client: TestClient) -> None:
    response = client.post("/new", content=b"text=x", headers={"content-type": "text/plain"})
    _assert_problem(response, 415)


@pytest.mark.parametrize("key", ["abc", "10001", "-1", "1.5", "123e4567-e89b-12d3-a456-42661417400"])
def test_key_that_is_neither_uuid_nor_count_answers_422(client: TestClient, key: str) -> None:
    _assert_problem(client.get(f"/{key}"), 422, "path parameter 'key'")


@pytest.mark.parametrize("key", ["10", "all-of-them"])
def test_delete_by_anything_but_uuid_answers_422(client: TestClient, key: str) -> None:
    _assert_problem(client.delete(f"/{key}"), 422, "path parameter 'key'")


def test_unknown_query_parameter_answers_422(client: TestClient) -> None:
    _assert_problem(client.get("/10?limit=3"), 422, "limit")


def test_unsupported_method_answers_405_problem(client: TestClient) -> None:
    _assert_problem(client.put(f"/{uuid.uuid4()}", json={}), 405)


def test_unknown_path_answers_404_problem(client: TestClient) -> None:
    _assert_problem(client.get("/all/more"), 404)


@pytest.mark.parametrize(
    ("method", "path", "allow"), [("DELETE", "/all", "GET, HEAD"), ("GET", "/new", "POST")]
)
def test_undeclared_method_on_a_literal_path_answers_405_with_allow(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)
    _assert_problem(response, 405)
    assert response.headers["allow"] == allow
