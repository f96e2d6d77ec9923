"""Queries of the shop's carts, totals from the items' current prices, in a fixed number of statements."""

from __future__ import annotations

import enum
from typing import NamedTuple

from psycopg.errors import DeadlockDetected
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Double,
    Integer,
    any_,
    bindparam,
    cast,
    exists,
    literal,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Executable

from server.db.engine import Database, Dialect
from server.db.models import cart_items, carts, items

ADD_ATTEMPTS = 3


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
# Each line's item is looked up by its key (a LATERAL subquery that OFFSET 0 keeps from being merged into
# a join): the prepared plan of a plain join hashed the whole items table on every call, 0.32 ms at 1,000
# items and growing with the catalogue, where these lookups take 0.13 ms and come out in line order.
_item_of_line = (
    select(items.c.name, items.c.deleted, items.c.price)
    .where(items.c.id == cart_items.c.item_id)
    .offset(0)
    .lateral("item")
)
_lines_of: dict[Dialect, Executable] = {
    "postgresql": select(
        cart_items.c.cart_id,
        cart_items.c.item_id,
        _item_of_line.c.name,
        cart_items.c.quantity,
        ~_item_of_line.c.deleted,
        _item_of_line.c.price,
    )
    .select_from(cart_items.join(_item_of_line, true()))
    .where(cart_items.c.cart_id == any_(cast(bindparam("cart_ids"), ARRAY(BigInteger))))
    .order_by(cart_items.c.cart_id, cart_items.c.item_id),
    "sqlite": select(*_line_columns)
    .select_from(_lines_joined)
    .where(cart_items.c.cart_id.in_(bindparam("cart_ids", expanding=True)))
    .order_by(cart_items.c.cart_id, cart_items.c.item_id),
}


_min_price, _max_price = cast(bindparam("min_price"), Double), cast(bindparam("max_price"), Double)
_min_quantity = cast(bindparam("min_quantity"), BigInteger)
_max_quantity = cast(bindparam("max_quantity"), BigInteger)
# The totals live on the cart, kept by the triggers of migration 0003: a page reads carts, not lines.
# Planned for its values on every call: a generic plan cannot fold away the NULL tests, so it walks the
# primary key and read all 10,000 carts for a range that matches none (1.3 ms); planned with the values,
# a selective range goes through the totals' indexes (0.03 ms) and a wide one still walks in id order.
_page = (
    select(carts.c.id, carts.c.price, carts.c.quantity)
    .where(
        _min_price.is_(None) | (carts.c.price >= _min_price),
        _max_price.is_(None) | (carts.c.price <= _max_price),
        _min_quantity.is_(None) | (carts.c.quantity >= _min_quantity),
        _max_quantity.is_(None) | (carts.c.quantity <= _max_quantity),
    )
    .order_by(carts.c.id)
    .limit(cast(bindparam("limit"), Integer))
    .offset(cast(bindparam("offset"), Integer))
    .execution_options(prepare=False)
)

_item_id = bindparam("item_id", type_=BigInteger)
# The item is locked (shared) first, by an uncommitted EXISTS that PostgreSQL evaluates before it scans
# the cart, then the cart: the order in which a price change or delete of the item takes them (the item,
# then its carts in id order), so the two never deadlock. The shared item lock makes such a change wait
# for this add and then find this cart among the item's holders. The cart is locked before the line is
# written: taken later, by the totals trigger, its lock would have to upgrade the line's foreign-key
# share lock and would deadlock with another add to the same cart.
_item_available = exists(
    select(items.c.id)
    .where(items.c.id == _item_id, ~items.c.deleted)
    .suffix_with("FOR SHARE", dialect="postgresql")
)
_upsert_line = {
    # One statement: a concurrent add of the same item waits on the row and increments after it, so no
    # increment is lost; a missing cart or a deleted item inserts nothing.
    name: insert(cart_items)
    .from_select(
        ["cart_id", "item_id", "quantity"],
        select(carts.c.id, _item_id, literal(1))
        .where(carts.c.id == bindparam("cart_id"), _item_available)
        .suffix_with("FOR NO KEY UPDATE OF carts", dialect="postgresql"),
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
    return int(row[0])


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
    async with db.autocommit() as queries:
        page = await queries.all(_page, params)
        if not page:
            return []
        ids = [row[0] for row in page]
        lines = await queries.all(_lines_of[db.dialect], {"cart_ids": ids})
    by_cart: dict[int, list[CartLine]] = {cart_id: [] for cart_id in ids}
    for row in lines:
        by_cart[row[0]].append(CartLine(*row[1:]))
    return [Cart(cart_id, by_cart[cart_id], price, quantity) for cart_id, price, quantity in page]


async def add_to_cart(db: Database, cart_id: int, item_id: int) -> AddOutcome:
    attempt = 1
    while True:
        try:
            async with db.write() as queries:
                added = await queries.one(_upsert_line[db.dialect], {"cart_id": cart_id, "item_id": item_id})
                if added is not None:
                    return AddOutcome.ADDED
                cart = await queries.one(_cart_exists, {"cart_id": cart_id})
            return AddOutcome.NO_CART if cart is None else AddOutcome.NO_ITEM
        except DeadlockDetected:
            # Adds and item changes take their locks in one order, but the totals trigger of another
            # writer may still meet this one in a cycle; PostgreSQL then aborts one statement, which
            # changed nothing: do it again.
            if attempt == ADD_ATTEMPTS:
                raise
            attempt += 1
