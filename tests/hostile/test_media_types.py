"""Media types are case-insensitive; a body without a Content-Type is 415; body-less operations ignore it."""

from __future__ import annotations

import httpx
import orjson
import pytest

from devtools.server import ServerProcess
from tests.utils.problems import assert_problem, assert_still_serving
from tests.utils.raw_http import as_httpx, connect, read_answer, request_head

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

BODY_OPERATIONS = [
    ("POST", "/new", [{"text": "a"}]),
    ("POST", "/item", {"name": "n", "price": 1.0}),
    ("PUT", "/item/1", {"name": "n", "price": 1.0}),
    ("PATCH", "/item/1", {"price": 2.0}),
]


@pytest.mark.parametrize(("method", "path", "body"), BODY_OPERATIONS)
def test_a_body_without_content_type_answers_415(
    live_server: ServerProcess, method: str, path: str, body: object
) -> None:
    payload = orjson.dumps(body)
    with connect(live_server.base_url) as sock:
        sock.sendall(request_head(method, path, {"Content-Length": str(len(payload))}) + payload)
        answer = as_httpx(read_answer(sock))
    assert_problem(answer, 415, "Content-Type")
    assert_still_serving(live_server.base_url)


@pytest.mark.parametrize("media_type", ["APPLICATION/JSON", "Application/Json; charset=UTF-8"])
def test_a_capitalised_media_type_is_validated_and_served(
    live_server: ServerProcess, media_type: str
) -> None:
    headers = {"Content-Type": media_type}
    with httpx.Client(base_url=live_server.base_url) as client:
        stored = client.post("/new", content=orjson.dumps([{"text": "caps"}]), headers=headers)
        invalid = client.post("/new", content=orjson.dumps([{"txt": "caps"}]), headers=headers)
        item = client.post("/item", content=orjson.dumps({"name": "n", "price": 1.5}), headers=headers)
        patched = client.patch(
            f"/item/{item.json()['id']}", content=orjson.dumps({"price": 2.5}), headers=headers
        )
    assert stored.status_code == 201
    assert [record["text"] for record in stored.json()] == ["caps"]
    assert_problem(invalid, 422, "body[0]")
    assert item.status_code == 201
    assert patched.json()["price"] == 2.5
    assert_still_serving(live_server.base_url)


@pytest.mark.parametrize("media_type", ["text/plain", "application/x-www-form-urlencoded", "json"])
def test_a_body_of_another_media_type_answers_415(live_server: ServerProcess, media_type: str) -> None:
    response = httpx.post(f"{live_server.base_url}/new", content=b"[]", headers={"Content-Type": media_type})
    assert_problem(response, 415, "application/json")
    assert_still_serving(live_server.base_url)


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data", "application/x-www-form-urlencoded", "nonsense"]
)
@pytest.mark.parametrize(("method", "path"), [("GET", "/healthz"), ("GET", "/10"), ("POST", "/cart")])
def test_an_operation_without_a_body_ignores_its_content_type(
    live_server: ServerProcess, content_type: str, method: str, path: str
) -> None:
    response = httpx.request(
        method, f"{live_server.base_url}{path}", content=b"a=%zz", headers={"Content-Type": content_type}
    )
    assert response.status_code in (200, 201), response.text
    assert_still_serving(live_server.base_url)
