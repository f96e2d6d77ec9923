"""Keep each cart's totals on the cart, so that lists filter by them without aggregating every cart.

Triggers recompute a cart's price and quantity whenever one of its lines changes, and every cart holding
an item whenever that item's price or deleted flag changes. The price is the sum of price x quantity over
available items, added in item id order: the same doubles in the same order as GET /cart/{id} and a
client add them. On PostgreSQL the recompute first locks the cart row and then reads with a fresh
snapshot, so concurrent adds and price changes each see the other's committed rows.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_POSTGRES_UP = """
CREATE FUNCTION refresh_cart_totals(target bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Lock as an add does (NO KEY UPDATE leaves foreign-key checks on the cart free to proceed).
    PERFORM 1 FROM carts WHERE id = target FOR NO KEY UPDATE;
    UPDATE carts SET (price, quantity) = (
        SELECT COALESCE(sum(CASE WHEN i.deleted THEN 0.0 ELSE i.price * ci.quantity END
                            ORDER BY ci.item_id), 0.0),
               COALESCE(sum(CASE WHEN i.deleted THEN 0 ELSE ci.quantity END), 0)
        FROM cart_items ci JOIN items i ON i.id = ci.item_id WHERE ci.cart_id = target)
    WHERE id = target;
END $$;

CREATE FUNCTION cart_line_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_cart_totals(NEW.cart_id);
    RETURN NULL;
END $$;

CREATE FUNCTION item_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    holder bigint;
BEGIN
    -- Carts are locked in id order, so two item changes never deadlock on them.
    FOR holder IN SELECT cart_id FROM cart_items WHERE item_id = NEW.id ORDER BY cart_id LOOP
        PERFORM refresh_cart_totals(holder);
    END LOOP;
    RETURN NULL;
END $$;

CREATE TRIGGER cart_line_totals AFTER INSERT OR UPDATE ON cart_items
    FOR EACH ROW EXECUTE FUNCTION cart_line_changed();
CREATE TRIGGER item_totals AFTER UPDATE OF price, deleted ON items
    FOR EACH ROW WHEN (OLD.price IS DISTINCT FROM NEW.price OR OLD.deleted IS DISTINCT FROM NEW.deleted)
    EXECUTE FUNCTION item_changed();
"""

# Existing carts, in one statement rather than a function call per cart; carts without lines keep 0.
_POSTGRES_FILL = """
UPDATE carts SET (price, quantity) = (totals.price, totals.quantity)
FROM (SELECT ci.cart_id,
             sum(CASE WHEN i.deleted THEN 0.0 ELSE i.price * ci.quantity END ORDER BY ci.item_id) AS price,
             sum(CASE WHEN i.deleted THEN 0 ELSE ci.quantity END) AS quantity
      FROM cart_items ci JOIN items i ON i.id = ci.item_id GROUP BY ci.cart_id) AS totals
WHERE carts.id = totals.cart_id
"""

_POSTGRES_DOWN = """
DROP TRIGGER item_totals ON items;
DROP TRIGGER cart_line_totals ON cart_items;
DROP FUNCTION item_changed();
DROP FUNCTION cart_line_changed();
DROP FUNCTION refresh_cart_totals(bigint);
"""

# SQLite has one writer at a time, so no locking is needed; its aggregates take rows in the order of an
# ordered subquery. Its sum() adds left to right up to 3.42 (3.40 here); from 3.43 it compensates
# (Kahan-Babuska-Neumaier), which can differ in the last bits from a client's own sum of the same doubles.
_SQLITE_TOTALS = """
    price = COALESCE((SELECT sum(v) FROM (
        SELECT CASE WHEN i.deleted THEN 0.0 ELSE i.price * ci.quantity END AS v
        FROM cart_items ci JOIN items i ON i.id = ci.item_id WHERE ci.cart_id = carts.id
        ORDER BY ci.item_id)), 0.0),
    quantity = COALESCE((
        SELECT sum(CASE WHEN i.deleted THEN 0 ELSE ci.quantity END)
        FROM cart_items ci JOIN items i ON i.id = ci.item_id WHERE ci.cart_id = carts.id), 0)
"""

_SQLITE_UP = [
    f"CREATE TRIGGER cart_line_inserted AFTER INSERT ON cart_items BEGIN "
    f"UPDATE carts SET {_SQLITE_TOTALS} WHERE id = NEW.cart_id; END",
    f"CREATE TRIGGER cart_line_updated AFTER UPDATE ON cart_items BEGIN "
    f"UPDATE carts SET {_SQLITE_TOTALS} WHERE id = NEW.cart_id; END",
    f"CREATE TRIGGER item_totals AFTER UPDATE OF price, deleted ON items BEGIN "
    f"UPDATE carts SET {_SQLITE_TOTALS} "
    f"WHERE id IN (SELECT cart_id FROM cart_items WHERE item_id = NEW.id); END",
]

_SQLITE_DOWN = [
    "DROP TRIGGER item_totals",
    "DROP TRIGGER cart_line_updated",
    "DROP TRIGGER cart_line_inserted",
]


def upgrade() -> None:
    with op.batch_alter_table("carts") as carts:
        carts.add_column(sa.Column("price", sa.Double(), nullable=False, server_default="0"))
        carts.add_column(sa.Column("quantity", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_index("carts_price", "carts", ["price"])
    op.create_index("carts_quantity", "carts", ["quantity"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_UP)
        op.execute(_POSTGRES_FILL)
    else:
        for statement in _SQLITE_UP:
            op.execute(statement)
        op.execute(f"UPDATE carts SET {_SQLITE_TOTALS}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_DOWN)
    else:
        for statement in _SQLITE_DOWN:
            op.execute(statement)
    op.drop_index("carts_quantity", "carts")
    op.drop_index("carts_price", "carts")
    with op.batch_alter_table("carts") as carts:
        carts.drop_column("quantity")
        carts.drop_column("price")
