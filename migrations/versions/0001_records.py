"""Create the records table.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("uuid", sa.Uuid(as_uuid=True), nullable=False),
        sa.Column("text", sa.String(1000), nullable=False),
        sa.UniqueConstraint("uuid", name="records_uuid_key"),
    )


def downgrade() -> None:
    op.drop_table("records")
