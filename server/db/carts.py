"""Queries of the shop's carts, totals from the items' current prices, in a fixed number of statements."""

from __future__ import annotations

import enum
from typing import NamedTuple

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Double,
    Integer,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite

from server.db.engine import Database
from server.db.models import cart_items, carts, items


class CartLine(NamedTuple):
    id: int
    name: str
    quantity: int
    available: bool
    price: float


class Cart(NamedTuple):
    id: int
    lines: list[CartLine]
    price: float
    quantity: int

    @classmethod
    def from_lines(cls, cart_id: int, lines: list[CartLine]) -> Cart:
        # Doubles added one by one in list order, from 0.0: what a client summing the same doubles gets,
        # and what the list's ordered aggregate in SQL gets.
        price = 0.0
        for line in lines:
            if line.available:
                price += line.price * line.quantity
        return cls(cart_id, lines, price, sum(line.quantity for line in lines if line.available))


class AddOutcome(enum.Enum):
    ADDED = "added"
    NO_CART = "no such cart"
    NO_ITEM = "no such item"


_line_columns = (
    cart_items.c.cart_id,
    cart_items.c.item_id,
    items.c.name,
    cart_items.c.quantity,
    ~items.c.deleted,
    items.c.price,
)
_insert_cart = carts.insert().returning(carts.c.id)
_select_cart = (
    select(carts.c.id, *_line_columns[1:])
    .select_from(
        carts.outerjoin(cart_items, cart_items.c.cart_id == carts.c.id).outerjoin(
            items, items.c.id == cart_items.c.item_id
        )
    )
    .where(carts.c.id == bindparam("cart_id"))
    .order_by(cart_items.c.item_id)
)
_lines_joined = cart_items.join(items, items.c.id == cart_items.c.item_id)
_lines_of_postgres = (
    select(*_line_columns)
    .select_from(_lines_joined)
    .where(cart_items.c.cart_id == any_(cast(bindparam("cart_ids"), ARRAY(BigInteger))))
    .order_by(cart_items.c.cart_id, cart_items.c.item_id)
)
_lines_of_sqlite = (
    select(*_line_columns)
    .select_from(_lines_joined)
    .where(cart_items.c.cart_id.in_(bindparam("cart_ids", expanding=True)))
    .order_by(cart_items.c.cart_id, cart_items.c.item_id)
)


def _totals_page(line_price_total: object) -> object:
    """Carts with their totals (id, price, quantity), filtered and paged by them, in one statement."""
    # PostgreSQL sums bigints into numeric: cast back, so both databases answer an int and a double.
    available_quantity = cast(
        func.coalesce(func.sum(case((items.c.deleted, 0), else_=cart_items.c.quantity)), 0), BigInteger
    )
    price = cast(func.coalesce(line_price_total, 0.0), Double)
    min_price, max_price = cast(bindparam("min_price"), Double), cast(bindparam("max_price"), Double)
    min_quantity = cast(bindparam("min_quantity"), BigInteger)
    max_quantity = cast(bindparam("max_quantity"), BigInteger)
    return (
        select(carts.c.id, price, available_quantity)
        .select_from(carts.outerjoin(cart_items, cart_items.c.cart_id == carts.c.id).outerjoin(items))
        .group_by(carts.c.id)
        .having(
            (min_price.is_(None) | (price >= min_price))
            & (max_price.is_(None) | (price <= max_price))
            & (min_quantity.is_(None) | (available_quantity >= min_quantity))
            & (max_quantity.is_(None) | (available_quantity <= max_quantity))
        )
        .order_by(carts.c.id)
        .limit(cast(bindparam("limit"), Integer))
        .offset(cast(bindparam("offset"), Integer))
    )


_available_line_price = case((items.c.deleted, 0.0), else_=items.c.price * cart_items.c.quantity)
# PostgreSQL adds the doubles in item order, as Cart.from_lines does, so the list shows the very totals
# GET /cart/{id} shows. SQLite has no ordered aggregates; it reads the join in key order.
_page_postgres = _totals_page(
    func.sum(postgresql.aggregate_order_by(_available_line_price, cart_items.c.item_id))
)
_page_sqlite = _totals_page(func.sum(_available_line_price))

_upsert_line = {
    # One statement: a concurrent add of the same item waits on the row and increments after it, so no
    # increment is lost; a missing cart or a deleted item inserts nothing.
    name: insert(cart_items)
    .from_select(
        ["cart_id", "item_id", "quantity"],
        # Each side is filtered to at most one row by its key: the product is that one pair.
        select(carts.c.id, items.c.id, literal(1))
        .select_from(carts.join(items, true()))
        .where(carts.c.id == bindparam("cart_id"), items.c.id == bindparam("item_id"), ~items.c.deleted),
    )
    .on_conflict_do_update(
        index_elements=[cart_items.c.cart_id, cart_items.c.item_id],
        set_={"quantity": cart_items.c.quantity + 1},
    )
    .returning(cart_items.c.quantity)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
_cart_exists = select(carts.c.id).where(carts.c.id == bindparam("cart_id"))


async def create_cart(db: Database) -> int:
    async with db.write() as queries:
        row = await queries.one(_insert_cart)
    assert row is not None
    return row[0]


async def get_cart(db: Database, cart_id: int) -> Cart | None:
    async with db.autocommit() as queries:
        rows = await queries.all(_select_cart, {"cart_id": cart_id})
    if not rows:
        return None
    return Cart.from_lines(cart_id, [CartLine(*row[1:]) for row in rows if row[1] is not None])


async def list_carts(
    db: Database,
    *,
    offset: int,
    limit: int,
    min_price: float | None,
    max_price: float | None,
    min_quantity: int | None,
    max_quantity: int | None,
) -> list[Cart]:
    """A page of carts in two statements, whatever the page size: the page with its totals, then its lines."""
    params = {
        "offset": offset,
        "limit": limit,
        "min_price": min_price,
        "max_price": max_price,
        "min_quantity": min_quantity,
        "max_quantity": max_quantity,
    }
    postgres = db.dialect == "postgresql"
    async with db.autocommit() as queries:
        page = await queries.all(_page_postgres if postgres else _page_sqlite, params)
        if not page:
            return []
        ids = [row[0] for row in page]
        lines = await queries.all(_lines_of_postgres if postgres else _lines_of_sqlite, {"cart_ids": ids})
    by_cart: dict[int, list[CartLine]] = {cart_id: [] for cart_id in ids}
    for row in lines:
        by_cart[row[0]].append(CartLine(*row[1:]))
    return [Cart(cart_id, by_cart[cart_id], price, quantity) for cart_id, price, quantity in page]


async def add_to_cart(db: Database, cart_id: int, item_id: int) -> AddOutcome:
    async with db.write() as queries:
        added = await queries.one(_upsert_line[db.dialect], {"cart_id": cart_id, "item_id": item_id})
        if added is not None:
            return AddOutcome.ADDED
        cart = await queries.one(_cart_exists, {"cart_id": cart_id})
    return AddOutcome.NO_CART if cart is None else AddOutcome.NO_ITEM
