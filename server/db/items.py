"""Queries of the shop's catalogue, as SQLAlchemy Core statements built once at import."""

from __future__ import annotations

import enum
from typing import NamedTuple

from sqlalchemy import (
    Boolean,
    Double,
    Integer,
    String,
    bindparam,
    cast,
    false,
    func,
    or_,
    select,
    true,
    update,
)

from server.db.database import Database
from server.db.models import items


class Item(NamedTuple):
    id: int
    name: str
    price: float
    deleted: bool


class PatchOutcome(enum.Enum):
    UPDATED = "updated"
    DELETED = "deleted"
    MISSING = "missing"


_columns = (items.c.id, items.c.name, items.c.price, items.c.deleted)
# Optional filters are typed NULL-or-value parameters, so one statement text serves every combination
# of them: a statement built per request would be compiled per request.
_min_price = cast(bindparam("min_price"), Double)
_max_price = cast(bindparam("max_price"), Double)
_new_name = cast(bindparam("new_name"), String)
_new_price = cast(bindparam("new_price"), Double)

_insert = (
    items.insert()
    .values(name=bindparam("new_name"), price=bindparam("new_price"), deleted=false())
    .returning(*_columns)
)
_select_one = select(*_columns).where(items.c.id == bindparam("item_id"))
_select_page = (
    select(*_columns)
    .where(
        or_(cast(bindparam("show_deleted"), Boolean), items.c.deleted == false()),
        or_(_min_price.is_(None), items.c.price >= _min_price),
        or_(_max_price.is_(None), items.c.price <= _max_price),
    )
    .order_by(items.c.id)
    .limit(cast(bindparam("limit"), Integer))
    .offset(cast(bindparam("offset"), Integer))
)
_update_live = (
    update(items)
    .where(items.c.id == bindparam("item_id"), items.c.deleted == false())
    .values(name=func.coalesce(_new_name, items.c.name), price=func.coalesce(_new_price, items.c.price))
    .returning(*_columns)
)
_mark_deleted = (
    update(items).where(items.c.id == bindparam("item_id")).values(deleted=true()).returning(*_columns)
)


async def create_item(db: Database, name: str, price: float) -> Item:
    async with db.write() as queries:
        row = await queries.one(_insert, {"new_name": name, "new_price": price})
    assert row is not None
    return Item(*row)


async def get_item(db: Database, item_id: int) -> Item | None:
    """The item, deleted or not."""
    async with db.autocommit() as queries:
        row = await queries.one(_select_one, {"item_id": item_id})
    return None if row is None else Item(*row)


async def list_items(
    db: Database,
    *,
    offset: int,
    limit: int,
    min_price: float | None,
    max_price: float | None,
    show_deleted: bool,
) -> list[Item]:
    params = {
        "offset": offset,
        "limit": limit,
        "min_price": min_price,
        "max_price": max_price,
        "show_deleted": show_deleted,
    }
    async with db.autocommit() as queries:
        rows = await queries.all(_select_page, params)
    return [Item(*row) for row in rows]


async def update_item(
    db: Database, item_id: int, *, name: str | None = None, price: float | None = None
) -> tuple[PatchOutcome, Item | None]:
    """Set the given fields of a live item in one statement; None leaves a field as it is."""
    async with db.write() as queries:
        row = await queries.one(_update_live, {"item_id": item_id, "new_name": name, "new_price": price})
    if row is not None:
        return PatchOutcome.UPDATED, Item(*row)
    existing = await get_item(db, item_id)
    return (PatchOutcome.MISSING if existing is None else PatchOutcome.DELETED), existing


async def delete_item(db: Database, item_id: int) -> Item | None:
    async with db.write() as queries:
        row = await queries.one(_mark_deleted, {"item_id": item_id})
    return None if row is None else Item(*row)
