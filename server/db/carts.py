"""Queries of the shop's carts, totals from the items' current prices, in a fixed number of statements."""

from __future__ import annotations

import enum
from typing import NamedTuple

from sqlalchemy import (
    BigInteger,
    Double,
    Integer,
    bindparam,
    cast,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Executable

from server.db.database import Database, Dialect
from server.db.errors import Deadlock
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
    cart_items.c.item_id,
    items.c.name,
    cart_items.c.quantity,
    ~items.c.deleted,
    items.c.price,
)
_insert_cart = carts.insert().returning(carts.c.id)
_select_cart = (
    select(carts.c.id, *_line_columns)
    .select_from(
        carts.outerjoin(cart_items, cart_items.c.cart_id == carts.c.id).outerjoin(
            items, items.c.id == cart_items.c.item_id
        )
    )
    .where(carts.c.id == bindparam("cart_id"))
    .order_by(cart_items.c.item_id)
)
_min_price, _max_price = cast(bindparam("min_price"), Double), cast(bindparam("max_price"), Double)
_min_quantity = cast(bindparam("min_quantity"), BigInteger)
_max_quantity = cast(bindparam("max_quantity"), BigInteger)
_limit, _offset = cast(bindparam("limit"), Integer), cast(bindparam("offset"), Integer)
# A page of carts and their lines, one row per line (a cart without lines on one row of NULLs), in id
# order, read in one statement so that the totals (kept on the cart by migration 0003's triggers) and the
# lines come from one snapshot. On PostgreSQL it is cart_page() (migrations 0004, 0005), which plans the page
# with its values on every call and its lines' query once per connection.
_cart_page = func.cart_page(_min_price, _max_price, _min_quantity, _max_quantity, _limit, _offset)
_sqlite_page = (
    select(carts.c.id, carts.c.price, carts.c.quantity)
    .where(
        _min_price.is_(None) | (carts.c.price >= _min_price),
        _max_price.is_(None) | (carts.c.price <= _max_price),
        _min_quantity.is_(None) | (carts.c.quantity >= _min_quantity),
        _max_quantity.is_(None) | (carts.c.quantity <= _max_quantity),
    )
    .order_by(carts.c.id)
    .limit(_limit)
    .offset(_offset)
    .subquery("page")
)
_cart_page_rows = _cart_page.table_valued(
    "cart_id",
    "cart_price",
    "cart_quantity",
    "line_item_id",
    "line_name",
    "line_quantity",
    "line_available",
    "line_price",
)
_page_with_lines: dict[Dialect, Executable] = {
    "postgresql": select(_cart_page_rows).order_by(_cart_page_rows.c.cart_id, _cart_page_rows.c.line_item_id),
    "sqlite": select(_sqlite_page, *_line_columns)
    .select_from(
        _sqlite_page.outerjoin(
            cart_items.join(items, items.c.id == cart_items.c.item_id),
            cart_items.c.cart_id == _sqlite_page.c.id,
        )
    )
    .order_by(_sqlite_page.c.id, cart_items.c.item_id),
}

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
    """A page of carts with their lines, in one statement whatever the page size."""
    params = {
        "offset": offset,
        "limit": limit,
        "min_price": min_price,
        "max_price": max_price,
        "min_quantity": min_quantity,
        "max_quantity": max_quantity,
    }
    async with db.autocommit() as queries:
        rows = await queries.all(_page_with_lines[db.dialect], params)
    page: list[Cart] = []
    for cart_id, price, quantity, *line in rows:
        if not page or page[-1].id != cart_id:
            page.append(Cart(cart_id, [], price, quantity))
        if line[0] is not None:
            page[-1].lines.append(CartLine(*line))
    return page


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
        except Deadlock:
            # Adds and item changes take their locks in one order, but the totals trigger of another
            # writer may still meet this one in a cycle; PostgreSQL then aborts one statement, which
            # changed nothing: do it again.
            if attempt == ADD_ATTEMPTS:
                raise
            attempt += 1
