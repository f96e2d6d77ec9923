"""The contract as the server serves it (/openapi.json, /openapi.yaml) names the server that served it: "/".

Connexion replaces `servers` with the base path the request came through, "" at the root, which Swagger UI
shows as an empty list; server/contract/docs.py serves "/" there instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import yaml
from starlette.testclient import TestClient

from tests.utils.app import app_client


@pytest.fixture(scope="module")
def client(empty_database: Callable[[str, str], str]) -> Iterator[TestClient]:
    # The contract's routes read no database; the lifespan opens one all the same.
    with app_client(empty_database("sqlite", "served_contract")) as client:
        yield client


def test_openapi_json_lists_the_root_as_its_server(client: TestClient) -> None:
    assert [server["url"] for server in client.get("/openapi.json").json()["servers"]] == ["/"]


def test_openapi_yaml_lists_the_root_as_its_server(client: TestClient) -> None:
    assert [server["url"] for server in yaml.safe_load(client.get("/openapi.yaml").text)["servers"]] == ["/"]
