"""Carts: creation, totals over available items, listing with filters, adding items."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

MakeItem = Callable[..., dict[str, Any]]
MakeCart = Callable[..., int]


def _client_side_price(cart: dict[str, Any], prices: dict[int, float]) -> float:
    total = 0.0
    for line in cart["items"]:
        if line["available"]:
            total += prices[line["id"]] * line["quantity"]
    return total


def test_create_answers_201_with_id_and_location(client: TestClient) -> None:
    response = client.post("/cart")
    assert response.status_code == 201
    cart_id = response.json()["id"]
    assert response.headers["location"] == f"/cart/{cart_id}"


def test_new_cart_is_empty(client: TestClient, make_cart: MakeCart) -> None:
    cart_id = make_cart()
    assert client.get(f"/cart/{cart_id}").json() == {"id": cart_id, "items": [], "price": 0.0, "quantity": 0}


def test_unknown_cart_answers_404(client: TestClient) -> None:
    assert client.get("/cart/424242").status_code == 404


def test_adding_twice_increments_quantity(
    client: TestClient, make_item: MakeItem, make_cart: MakeCart
) -> None:
    item = make_item("milk", 1.5)
    cart_id = make_cart(item["id"])
    response = client.post(f"/cart/{cart_id}/add/{item['id']}")
    assert response.status_code == 200
    assert response.json() == {
        "id": cart_id,
        "items": [{"id": item["id"], "name": "milk", "quantity": 2, "available": True}],
        "price": 3.0,
        "quantity": 2,
    }


def test_price_equals_a_client_summing_the_same_doubles_in_list_order(
    client: TestClient, make_item: MakeItem, make_cart: MakeCart
) -> None:
    prices = [0.1, 0.2, 0.3, 1e-9, 123.456, 7.77]
    made = [make_item(f"i{n}", price) for n, price in enumerate(prices)]
    cart_id = make_cart(*(item["id"] for item in made), made[2]["id"], made[4]["id"])
    cart = client.get(f"/cart/{cart_id}").json()
    assert [line["id"] for line in cart["items"]] == sorted(item["id"] for item in made)
    assert cart["price"] == _client_side_price(cart, {item["id"]: item["price"] for item in made})
    assert cart["quantity"] == 8


def test_deleted_item_stays_listed_unavailable_and_leaves_the_totals(
    client: TestClient, make_item: MakeItem, make_cart: MakeCart
) -> None:
    kept, gone = make_item("kept", 2.0), make_item("gone", 5.0)
    cart_id = make_cart(kept["id"], gone["id"], gone["id"])
    client.delete(f"/item/{gone['id']}")
    cart = client.get(f"/cart/{cart_id}").json()
    assert cart["items"][1] == {"id": gone["id"], "name": "gone", "quantity": 2, "available": False}
    assert (cart["price"], cart["quantity"]) == (2.0, 1)


def test_totals_follow_price_changes(client: TestClient, make_item: MakeItem, make_cart: MakeCart) -> None:
    item = make_item("x", 1.0)
    cart_id = make_cart(item["id"])
    client.patch(f"/item/{item['id']}", json={"price": 4.0})
    assert client.get(f"/cart/{cart_id}").json()["price"] == 4.0


def test_add_to_unknown_cart_or_unknown_or_deleted_item_answers_404(
    client: TestClient, make_item: MakeItem, make_cart: MakeCart
) -> None:
    item, gone = make_item(), make_item()
    client.delete(f"/item/{gone['id']}")
    cart_id = make_cart()
    assert client.post(f"/cart/424242/add/{item['id']}").status_code == 404
    assert client.post(f"/cart/{cart_id}/add/424242").status_code == 404
    assert client.post(f"/cart/{cart_id}/add/{gone['id']}").status_code == 404
    assert client.get(f"/cart/{cart_id}").json()["items"] == []


def test_list_is_ordered_by_id_and_paged(client: TestClient, make_cart: MakeCart) -> None:
    ids = [make_cart() for _ in range(12)]
    assert [cart["id"] for cart in client.get("/cart").json()] == ids[:10]
    assert [cart["id"] for cart in client.get("/cart?offset=10&limit=5").json()] == ids[10:]


def test_list_filters_by_inclusive_price_and_quantity(
    client: TestClient, make_item: MakeItem, make_cart: MakeCart
) -> None:
    cheap, dear = make_item("cheap", 1.0), make_item("dear", 10.0)
    empty = make_cart()
    one_cheap = make_cart(cheap["id"])
    two_cheap = make_cart(cheap["id"], cheap["id"])
    one_dear = make_cart(dear["id"])

    def ids(query: str) -> list[int]:
        response = client.get(f"/cart?{query}")
        assert response.status_code == 200
        return [cart["id"] for cart in response.json()]

    assert ids("min_price=1&max_price=2") == [one_cheap, two_cheap]
    assert ids("min_price=10") == [one_dear]
    assert ids("max_price=0") == [empty]
    assert ids("min_quantity=2") == [two_cheap]
    assert ids("max_quantity=1") == [empty, one_cheap, one_dear]
    assert ids("min_quantity=1&max_price=1") == [one_cheap]


def test_list_shows_the_same_carts_as_get(
    client: TestClient, make_item: MakeItem, make_cart: MakeCart
) -> None:
    item = make_item("x", 0.1)
    cart_id = make_cart(item["id"], item["id"], item["id"])
    assert client.get("/cart").json() == [client.get(f"/cart/{cart_id}").json()]


@pytest.mark.parametrize(
    "query",
    [
        "offset=-1",
        "limit=0",
        "min_price=-1.0",
        "max_price=-0.5",
        "min_quantity=-1",
        "max_quantity=-1",
        "min_quantity=1.5",
        "min_price=abc",
        "limit=ten",
    ],
)
def test_list_with_invalid_query_answers_422(client: TestClient, query: str) -> None:
    response = client.get(f"/cart?{query}")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert query.split("=")[0] in response.json()["detail"]
