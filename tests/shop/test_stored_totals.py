"""Each cart stores its totals: migration 0003 fills them for carts made before it, and lists filter by
them through an index, not by reading every cart."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import psycopg
import pytest
from sqlalchemy import create_engine, insert, select
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.sql import ClauseElement

from server.config.database_url import database_target
from server.db import carts as cart_queries
from server.db import migrations
from server.db.models import cart_items, carts, items

# (item id, price, deleted) and (cart id, item id, quantity): prices whose sums are inexact in binary.
ITEMS = [(1, 0.1, False), (2, 0.2, False), (3, 0.3, False), (4, 1000.0, True)]
LINES = [(1, 1, 3), (1, 2, 1), (1, 3, 7), (2, 4, 2), (2, 3, 1), (3, 4, 5)]


def _expected_totals(cart_id: int) -> tuple[float, int]:
    """Price x quantity over available items, added one by one in item id order, as a client would."""
    prices = {item_id: (price, deleted) for item_id, price, deleted in ITEMS}
    price, quantity = 0.0, 0
    for _, item_id, count in sorted(line for line in LINES if line[0] == cart_id):
        item_price, deleted = prices[item_id]
        if not deleted:
            price += item_price * count
            quantity += count
    return price, quantity


def test_upgrade_to_0003_fills_the_totals_of_carts_made_before_it(
    backend: str, empty_database: Callable[[str, str], str]
) -> None:
    url = empty_database(backend, "totals_fill")
    migrations.upgrade(url, "0002")
    engine = create_engine(database_target(url).sync_url)
    with engine.begin() as connection:
        connection.execute(
            insert(items), [{"id": i, "name": f"i{i}", "price": p, "deleted": d} for i, p, d in ITEMS]
        )
        connection.execute(insert(carts), [{"id": n} for n in (1, 2, 3, 4)])
        connection.execute(
            insert(cart_items), [{"cart_id": c, "item_id": i, "quantity": q} for c, i, q in LINES]
        )
    migrations.upgrade(url)
    with engine.connect() as connection:
        stored = connection.execute(select(carts.c.id, carts.c.price, carts.c.quantity).order_by(carts.c.id))
        rows = [tuple(row) for row in stored]
    engine.dispose()
    assert rows == [(cart_id, *_expected_totals(cart_id)) for cart_id in (1, 2, 3, 4)]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_selective_price_range_reads_through_the_index_not_every_cart(database_url: str) -> None:
    plans: list[str] = []
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("INSERT INTO items (id, name, price) VALUES (1, 'one', 1.0)")
        connection.execute("INSERT INTO carts (id) SELECT generate_series(1, 5000)")
        connection.execute("INSERT INTO cart_items SELECT id, 1, id FROM carts")
        connection.execute("ANALYZE")
        # The page is a query inside cart_page(): auto_explain reports the plans of nested statements.
        connection.execute("LOAD 'auto_explain'")
        for setting in ("log_min_duration = 0", "log_nested_statements = on", "log_level = notice"):
            connection.execute(f"SET auto_explain.{setting}")
        connection.add_notice_handler(lambda notice: plans.append(notice.message_primary or ""))
        statement = cast(ClauseElement, cart_queries._page_with_lines["postgresql"])
        compiled = statement.compile(dialect=PGDialect_psycopg())  # type: ignore[no-untyped-call]
        params = {
            **compiled.params,
            "min_price": 4000.0,
            "max_price": 4004.5,
            "min_quantity": None,
            "max_quantity": None,
            "limit": 10,
            "offset": 0,
        }
        # Past the five calls after which PostgreSQL may keep one generic plan for a cached query.
        for _ in range(8):
            plans.clear()
            rows = connection.execute(str(compiled), params).fetchall()
    assert [row[0] for row in rows] == [4000, 4001, 4002, 4003, 4004]
    assert any("Index Scan using carts_price" in plan for plan in plans), plans
