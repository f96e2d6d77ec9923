"""Table definitions shared by the queries and the migrations."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, UniqueConstraint, Uuid

TEXT_MAX_LENGTH = 1000

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
