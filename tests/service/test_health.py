"""Liveness, readiness, and what clients get while the database is out of reach."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from devtools.ports import free_port
from tests.utils.app import app_client


@pytest.fixture
def unreachable_client() -> Iterator[TestClient]:
    with app_client(f"postgresql://nobody@127.0.0.1:{free_port()}/none") as client:
        yield client


def test_healthz_answers_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_answers_ok_when_the_database_is_reachable(client: TestClient) -> None:
    assert client.get("/readyz").json() == {"status": "ok"}


def test_healthz_stays_ok_without_a_database(unreachable_client: TestClient) -> None:
    assert unreachable_client.get("/healthz").status_code == 200


@pytest.mark.slow  # waits out the readiness timeout
def test_readyz_answers_503_problem_without_a_database(unreachable_client: TestClient) -> None:
    response = unreachable_client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.slow  # waits out the pool's timeout
def test_records_answer_503_with_retry_after_without_a_database(unreachable_client: TestClient) -> None:
    response = unreachable_client.get("/10")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["title"] == "Service Unavailable"


def test_contract_is_served_as_openapi_json(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.0")
    assert "/new" in spec["paths"]


def test_swagger_ui_is_served(client: TestClient) -> None:
    response = client.get("/ui/")
    assert response.status_code == 200
    assert "swagger-ui" in response.text
