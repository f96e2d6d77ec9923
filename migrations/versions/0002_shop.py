"""Create the shop's items, carts and cart_items tables.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_Serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", _Serial, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("price", sa.Double(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table("carts", sa.Column("id", _Serial, primary_key=True, autoincrement=True))
    op.create_table(
        "cart_items",
        sa.Column("cart_id", _Serial, sa.ForeignKey("carts.id"), primary_key=True),
        sa.Column("item_id", _Serial, sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cart_items")
    op.drop_table("carts")
    op.drop_table("items")
