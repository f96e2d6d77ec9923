"""Every error the service answers has one shape, from one builder, titled as its status line says."""

from __future__ import annotations

import uuid

import httpx
import pytest

from devtools.server import ServerProcess
from tests.utils.problems import assert_problem, assert_still_serving

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no/such/path", 404),
        ("GET", f"/{uuid.uuid4()}", 404),
        ("GET", "/item/424242", 404),
        ("DELETE", "/all", 405),
        ("PUT", "/new", 405),
        ("POST", "/healthz", 405),
        ("GET", "/10001", 422),
        ("GET", "/item?limit=0", 422),
        ("GET", "/item?unknown=1", 422),
    ],
)
def test_every_error_is_a_problem_in_one_shape(
    live_server: ServerProcess, method: str, path: str, status: int
) -> None:
    assert_problem(httpx.request(method, f"{live_server.base_url}{path}"), status)
    assert_still_serving(live_server.base_url)


def test_405_lists_the_declared_methods_in_allow(live_server: ServerProcess) -> None:
    response = httpx.delete(f"{live_server.base_url}/all")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, HEAD"


def test_409_is_titled_by_the_same_builder(live_server: ServerProcess) -> None:
    record = {"uuid": str(uuid.uuid4()), "text": "one"}
    httpx.post(f"{live_server.base_url}/new", json=[record])
    response = httpx.post(f"{live_server.base_url}/new", json=[{**record, "text": "other"}])
    assert_problem(response, 409, "nothing was stored")


def test_a_non_utf8_body_answers_422(live_server: ServerProcess) -> None:
    response = httpx.post(
        f"{live_server.base_url}/new",
        content=b'[{"text": "\xff"}]',
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 422, "not valid JSON")
    assert_still_serving(live_server.base_url)
