"""Listing carts costs one statement, however many carts and items there are."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, insert, text
from starlette.testclient import TestClient

from server.config.database_url import database_target
from server.db.models import cart_items, carts, items

CARTS = 10_000
ITEMS = 50
_RECORDED_ROWS = text("SELECT sum(reltuples) FROM pg_class WHERE relname IN ('carts', 'cart_items', 'items')")


def _fill(database_url: str, analyze_before_commit: bool = False) -> float | None:
    """10,000 carts holding 1 to 5 of 50 items, every fifth item deleted, written directly.

    With analyze_before_commit, ANALYZE runs on another connection while the rows are still uncommitted,
    as autovacuum may: it then records the tables as empty. Answers the rows it recorded, read at once.
    """
    recorded: float | None = None
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
        if analyze_before_commit:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as other:
                other.execute(text("ANALYZE carts, cart_items, items"))
                recorded = other.execute(_RECORDED_ROWS).scalar_one()
    engine.dispose()
    return recorded


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


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_cart_list_is_answered_while_statistics_say_the_tables_are_empty(
    client: TestClient, database_url: str
) -> None:
    assert _fill(database_url, analyze_before_commit=True) == 0
    response = client.get("/cart?limit=1000&offset=5000")
    assert response.status_code == 200
    assert [cart["id"] for cart in response.json()] == list(range(5001, 6001))
