"""Table definitions shared by the queries and the migrations."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    false,
)

TEXT_MAX_LENGTH = 1000
ITEM_NAME_MAX_LENGTH = 200

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY, PostgreSQL wants a BIGINT identity.
_Serial = BigInteger().with_variant(Integer(), "sqlite")

records = Table(
    "records",
    metadata,
    # Insertion order: "oldest first" sorts by this monotonic key, never by uuid.
    Column("id", _Serial, primary_key=True, autoincrement=True),
    Column("uuid", Uuid(as_uuid=True), nullable=False),
    Column("text", String(TEXT_MAX_LENGTH), nullable=False),
    UniqueConstraint("uuid", name="records_uuid_key"),
)

items = Table(
    "items",
    metadata,
    Column("id", _Serial, primary_key=True, autoincrement=True),
    Column("name", String(ITEM_NAME_MAX_LENGTH), nullable=False),
    # Double precision, so that totals summed here equal a client's own sum of the same doubles.
    Column("price", Double(), nullable=False),
    Column("deleted", Boolean(), nullable=False, server_default=false()),
)

carts = Table(
    "carts",
    metadata,
    Column("id", _Serial, primary_key=True, autoincrement=True),
    # Kept by triggers (migration 0003): the totals over available items, for lists to filter on.
    Column("price", Double(), nullable=False, server_default="0"),
    Column("quantity", BigInteger(), nullable=False, server_default="0"),
    Index("carts_price", "price"),
    Index("carts_quantity", "quantity"),
)

cart_items = Table(
    "cart_items",
    metadata,
    Column("cart_id", _Serial, ForeignKey("carts.id"), primary_key=True),
    Column("item_id", _Serial, ForeignKey("items.id"), primary_key=True),
    Column("quantity", BigInteger(), nullable=False),
)
