"""GET /all, GET /{uuid} and GET /{count}: reads in insertion order."""

from __future__ import annotations

import uuid

from starlette.testclient import TestClient


def _store(client: TestClient, *texts: str) -> list[dict[str, str]]:
    response = client.post("/new", json=[{"text": text} for text in texts])
    assert response.status_code == 201
    stored: list[dict[str, str]] = response.json()
    return stored


def test_all_on_empty_table_is_an_empty_array(client: TestClient) -> None:
    response = client.get("/all")
    assert response.status_code == 200
    assert response.json() == []


def test_all_lists_every_record_oldest_first_across_batches(client: TestClient) -> None:
    first = _store(client, "a", "b")
    second = _store(client, "c")
    assert client.get("/all").json() == first + second


def test_all_streams_more_than_one_chunk(client: TestClient) -> None:
    stored = []
    for batch in range(6):
        stored += _store(client, *(f"{batch}-{i}" for i in range(1000)))
    assert client.get("/all").json() == stored


def test_get_by_uuid_returns_the_record(client: TestClient) -> None:
    [record] = _store(client, "hello")
    response = client.get(f"/{record['uuid']}")
    assert response.status_code == 200
    assert response.json() == record


def test_get_unknown_uuid_answers_404_problem(client: TestClient) -> None:
    response = client.get(f"/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_get_count_returns_the_oldest_records(client: TestClient) -> None:
    stored = _store(client, "a", "b", "c")
    assert client.get("/2").json() == stored[:2]


def test_get_count_returns_fewer_when_fewer_exist(client: TestClient) -> None:
    stored = _store(client, "a")
    assert client.get("/10").json() == stored


def test_get_zero_returns_an_empty_list(client: TestClient) -> None:
    _store(client, "a")
    assert client.get("/0").json() == []


def test_get_documented_maximum_count(client: TestClient) -> None:
    _store(client, "a")
    assert len(client.get("/10000").json()) == 1


def test_get_count_skips_deleted_records(client: TestClient) -> None:
    stored = _store(client, "a", "b", "c")
    client.delete(f"/{stored[0]['uuid']}")
    assert client.get("/2").json() == stored[1:]
