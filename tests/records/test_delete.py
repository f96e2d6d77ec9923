"""DELETE /{uuid}: answers the deleted record once, then 404."""

from __future__ import annotations

import uuid

from starlette.testclient import TestClient


def test_delete_answers_the_deleted_record(client: TestClient) -> None:
    [record] = client.post("/new", json=[{"text": "bye"}]).json()
    response = client.delete(f"/{record['uuid']}")
    assert response.status_code == 200
    assert response.json() == record
    assert client.get(f"/{record['uuid']}").status_code == 404


def test_second_delete_answers_404(client: TestClient) -> None:
    [record] = client.post("/new", json=[{"text": "bye"}]).json()
    client.delete(f"/{record['uuid']}")
    response = client.delete(f"/{record['uuid']}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_delete_unknown_uuid_answers_404(client: TestClient) -> None:
    assert client.delete(f"/{uuid.uuid4()}").status_code == 404


def test_delete_leaves_other_records(client: TestClient) -> None:
    stored = client.post("/new", json=[{"text": "a"}, {"text": "b"}]).json()
    client.delete(f"/{stored[0]['uuid']}")
    assert client.get("/all").json() == stored[1:]


def test_deleted_uuid_can_be_stored_again(client: TestClient) -> None:
    record = {"uuid": str(uuid.uuid4()), "text": "again"}
    client.post("/new", json=[record])
    client.delete(f"/{record['uuid']}")
    assert client.post("/new", json=[record]).status_code == 201
