"""Items: create, read, list with filters, replace, patch, soft delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

MakeItem = Callable[..., dict[str, Any]]


def test_create_answers_201_with_the_whole_item_and_its_location(client: TestClient) -> None:
    response = client.post("/item", json={"name": "milk", "price": 1.25})
    assert response.status_code == 201
    item = response.json()
    assert item == {"id": item["id"], "name": "milk", "price": 1.25, "deleted": False}
    assert response.headers["location"] == f"/item/{item['id']}"
    assert client.get(response.headers["location"]).json() == item


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "x"},
        {"price": 1.0},
        {"name": "", "price": 1.0},
        {"name": "x", "price": -1},
        {"name": "x", "price": "1"},
        {"name": "x", "price": 1, "deleted": True},
    ],
    ids=["empty", "no price", "no name", "empty name", "negative price", "price as string", "deleted field"],
)
def test_create_with_invalid_body_answers_422(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post("/item", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_get_unknown_item_answers_404(client: TestClient) -> None:
    assert client.get("/item/999999").status_code == 404


def test_get_deleted_item_answers_404(client: TestClient, make_item: MakeItem) -> None:
    item = make_item()
    client.delete(f"/item/{item['id']}")
    assert client.get(f"/item/{item['id']}").status_code == 404


def test_non_numeric_id_and_zero_answer_422(client: TestClient) -> None:
    assert client.get("/item/abc").status_code == 422
    assert client.get("/item/0").status_code == 422


def test_list_is_ordered_by_id_and_paged(client: TestClient, make_item: MakeItem) -> None:
    made = [make_item(f"item {i}", float(i)) for i in range(15)]
    assert client.get("/item").json() == made[:10]
    assert client.get("/item?offset=10&limit=3").json() == made[10:13]


def test_list_filters_by_inclusive_price_bounds(client: TestClient, make_item: MakeItem) -> None:
    made = [make_item(f"item {i}", float(i)) for i in range(6)]
    assert client.get("/item?min_price=2&max_price=4").json() == made[2:5]


def test_list_hides_deleted_items_unless_asked(client: TestClient, make_item: MakeItem) -> None:
    kept, gone = make_item("kept"), make_item("gone")
    client.delete(f"/item/{gone['id']}")
    assert client.get("/item").json() == [kept]
    assert client.get("/item?show_deleted=true").json() == [kept, {**gone, "deleted": True}]


@pytest.mark.parametrize(
    "query",
    [
        "offset=-1",
        "limit=0",
        "limit=1001",
        "min_price=-1.0",
        "max_price=-1",
        "limit=abc",
        "show_deleted=maybe",
    ],
)
def test_list_with_invalid_query_answers_422(client: TestClient, query: str) -> None:
    response = client.get(f"/item?{query}")
    assert response.status_code == 422
    assert query.split("=")[0] in response.json()["detail"]


def test_put_replaces_name_and_price(client: TestClient, make_item: MakeItem) -> None:
    item = make_item("old", 1.0)
    response = client.put(f"/item/{item['id']}", json={"name": "new", "price": 2.5})
    assert response.status_code == 200
    assert response.json() == {**item, "name": "new", "price": 2.5}
    assert client.get(f"/item/{item['id']}").json() == response.json()


@pytest.mark.parametrize("body", [{}, {"price": 9.99}, {"name": "x"}])
def test_put_needs_both_fields(client: TestClient, make_item: MakeItem, body: dict[str, Any]) -> None:
    item = make_item()
    assert client.put(f"/item/{item['id']}", json=body).status_code == 422


def test_put_never_creates(client: TestClient) -> None:
    assert client.put("/item/424242", json={"name": "x", "price": 1.0}).status_code == 404
    assert client.get("/item?show_deleted=true").json() == []


def test_put_on_a_deleted_item_answers_404(client: TestClient, make_item: MakeItem) -> None:
    item = make_item()
    client.delete(f"/item/{item['id']}")
    assert client.put(f"/item/{item['id']}", json={"name": "x", "price": 1.0}).status_code == 404


@pytest.mark.parametrize(
    ("patch", "changed"),
    [
        ({}, {}),
        ({"name": "renamed"}, {"name": "renamed"}),
        ({"price": 7.5}, {"price": 7.5}),
        ({"name": "both", "price": 3.0}, {"name": "both", "price": 3.0}),
    ],
    ids=["no-op", "name", "price", "both"],
)
def test_patch_changes_exactly_the_given_fields(
    client: TestClient, make_item: MakeItem, patch: dict[str, Any], changed: dict[str, Any]
) -> None:
    item = make_item("orig", 1.0)
    response = client.patch(f"/item/{item['id']}", json=patch)
    assert response.status_code == 200
    assert response.json() == {**item, **changed}
    assert client.get(f"/item/{item['id']}").json() == response.json()


@pytest.mark.parametrize("body", [{"deleted": True}, {"name": "x", "color": "red"}])
def test_patch_of_deleted_flag_or_unknown_field_answers_422(
    client: TestClient, make_item: MakeItem, body: dict[str, Any]
) -> None:
    item = make_item()
    assert client.patch(f"/item/{item['id']}", json=body).status_code == 422
    assert client.get(f"/item/{item['id']}").json() == item


def test_patch_of_deleted_item_answers_304_and_changes_nothing(
    client: TestClient, make_item: MakeItem
) -> None:
    item = make_item("orig", 1.0)
    client.delete(f"/item/{item['id']}")
    response = client.patch(f"/item/{item['id']}", json={"name": "changed"})
    assert response.status_code == 304
    assert response.content == b""
    assert client.get("/item?show_deleted=true").json() == [{**item, "deleted": True}]


def test_patch_of_unknown_item_answers_404(client: TestClient) -> None:
    assert client.patch("/item/424242", json={}).status_code == 404


def test_delete_is_idempotent(client: TestClient, make_item: MakeItem) -> None:
    item = make_item()
    first, second = client.delete(f"/item/{item['id']}"), client.delete(f"/item/{item['id']}")
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json() == {**item, "deleted": True}


def test_delete_unknown_item_answers_404(client: TestClient) -> None:
    assert client.delete("/item/424242").status_code == 404
