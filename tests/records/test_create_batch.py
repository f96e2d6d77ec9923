"""POST /new: a batch is stored whole or not at all, and can be safely re-sent."""

from __future__ import annotations

import uuid

from starlette.testclient import TestClient


def _texts(client: TestClient) -> list[str]:
    return [record["text"] for record in client.get("/all").json()]


def test_batch_is_stored_in_order_and_answered_201(client: TestClient) -> None:
    given = str(uuid.uuid4())
    response = client.post("/new", json=[{"text": "first"}, {"uuid": given, "text": "second"}])
    assert response.status_code == 201
    body = response.json()
    assert [record["text"] for record in body] == ["first", "second"]
    assert body[1]["uuid"] == given
    assert _texts(client) == ["first", "second"]


def test_missing_uuid_is_assigned_a_uuid4(client: TestClient) -> None:
    body = client.post("/new", json=[{"text": "a"}, {"text": "b"}]).json()
    assigned = [uuid.UUID(record["uuid"]) for record in body]
    assert all(value.version == 4 for value in assigned)
    assert assigned[0] != assigned[1]


def test_uppercase_uuid_is_stored_in_canonical_form(client: TestClient) -> None:
    given = uuid.uuid4()
    response = client.post("/new", json=[{"uuid": str(given).upper(), "text": "x"}])
    assert response.json() == [{"uuid": str(given), "text": "x"}]
    assert client.get(f"/{given}").json() == {"uuid": str(given), "text": "x"}


def test_existing_uuid_answers_409_and_stores_nothing_of_the_batch(client: TestClient) -> None:
    taken = str(uuid.uuid4())
    client.post("/new", json=[{"uuid": taken, "text": "original"}])
    response = client.post("/new", json=[{"text": "new one"}, {"uuid": taken, "text": "other"}])
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 409
    assert _texts(client) == ["original"]


def test_uuid_repeated_inside_batch_answers_409_and_stores_nothing(client: TestClient) -> None:
    repeated = str(uuid.uuid4())
    response = client.post(
        "/new", json=[{"uuid": repeated, "text": "a"}, {"uuid": repeated.upper(), "text": "a"}]
    )
    assert response.status_code == 409
    assert _texts(client) == []


def test_resending_a_stored_batch_answers_200_with_the_same_records(client: TestClient) -> None:
    batch = [{"uuid": str(uuid.uuid4()), "text": f"t{i}"} for i in range(3)]
    assert client.post("/new", json=batch).status_code == 201
    retry = client.post("/new", json=batch)
    assert retry.status_code == 200
    assert retry.json() == batch
    assert _texts(client) == ["t0", "t1", "t2"]


def test_resending_with_a_different_text_answers_409(client: TestClient) -> None:
    record = {"uuid": str(uuid.uuid4()), "text": "kept"}
    client.post("/new", json=[record])
    response = client.post("/new", json=[{**record, "text": "changed"}])
    assert response.status_code == 409
    assert _texts(client) == ["kept"]


def test_partially_stored_batch_answers_409_and_stores_nothing_new(client: TestClient) -> None:
    stored = {"uuid": str(uuid.uuid4()), "text": "old"}
    client.post("/new", json=[stored])
    response = client.post("/new", json=[stored, {"uuid": str(uuid.uuid4()), "text": "new"}])
    assert response.status_code == 409
    assert _texts(client) == ["old"]


def test_largest_documented_batch_is_accepted(client: TestClient) -> None:
    response = client.post("/new", json=[{"text": str(i)} for i in range(1000)])
    assert response.status_code == 201
    assert len(client.get("/all").json()) == 1000


def test_text_of_maximum_length_round_trips(client: TestClient) -> None:
    text = "é" * 1000
    [record] = client.post("/new", json=[{"text": text}]).json()
    assert client.get(f"/{record['uuid']}").json()["text"] == text
