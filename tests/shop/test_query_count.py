"""Listing carts costs one statement, however many carts and items there are."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, insert
from starlette.testclient import TestClient

from server.config.database_url import database_target
from server.db.models import cart_items, carts, items

CARTS = 10_000
ITEMS = 50


def _fill(database_url: str) -> None:
    """10,000 carts holding 1 to 5 of 50 items, every fifth item deleted, written directly."""
    engine = create_engine(database_target(database_url).sync_url)
    with engine.begin() as connection:
        connection.execute(
            insert(items),
            [
                {"id": n, "name": f"item {n}", "price": n * 0.25, "deleted": n % 5 == 0}
                for n in range(1, ITEMS + 1)
            ],
        )
        connection.execute(insert(carts), [{"id": n} for n in range(1, CARTS + 1)])
        connection.execute(
            insert(cart_items),
            [
                {"cart_id": cart, "item_id": (cart + k) % ITEMS + 1, "quantity": k + 1}
                for cart in range(1, CARTS + 1)
                for k in range(cart % 5 + 1)
            ],
        )
    engine.dispose()


def test_filtered_cart_list_over_ten_thousand_carts_takes_one_statement(
    client: TestClient, database_url: str
) -> None:
    _fill(database_url)
    db = client.app_state["db"]
    before = db.statements_executed
    response = client.get("/cart?min_price=20&max_price=60&min_quantity=3&limit=50&offset=100")
    assert response.status_code == 200
    page = response.json()
    assert len(page) == 50
    assert all(20 <= cart["price"] <= 60 and cart["quantity"] >= 3 for cart in page)
    assert db.statements_executed - before == 1


def _all_pages(client: TestClient, query: str) -> list[dict[str, Any]]:
    carts_seen: list[dict[str, Any]] = []
    while page := client.get(f"/cart?{query}&limit=1000&offset={len(carts_seen)}").json():
        carts_seen += page
    return carts_seen


def test_filter_and_answer_agree_on_every_cart(client: TestClient, database_url: str) -> None:
    _fill(database_url)
    everything = _all_pages(client, "")
    assert len(everything) == CARTS
    expected = [cart for cart in everything if 20 <= cart["price"] <= 60 and cart["quantity"] <= 9]
    assert _all_pages(client, "min_price=20&max_price=60&max_quantity=9") == expected
