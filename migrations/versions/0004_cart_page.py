"""A page of carts and its lines in one call and one snapshot (PostgreSQL's cart_page function).

GET /cart read the page and then its lines in two autocommit statements, so a cart's stored totals and
its lines could come from two snapshots (an add committed in between showed a total that its lines did
not add up to), and each statement cost a round trip: about a fifth of the server's CPU a list. The
function does both in one call. It is STABLE, so both of its queries see the snapshot of the statement
that calls it. The page is planned on every call with its values (EXECUTE), so that the NULL tests of
the filters fold away and a selective range goes through the totals' indexes; the lines' query is
planned once per connection, like a prepared statement. Its rows come in no particular order: the caller
sorts them. SQLite needs no function: one statement there
reads one snapshot and costs no round trip.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each line's item is looked up by its key (a LATERAL subquery that OFFSET 0 keeps from being merged into
# a join): a plain join's cached plan hashed the whole items table on every call (0.32 ms at 1,000 items,
# growing with the catalogue) where these lookups take 0.13 ms.
_POSTGRES_UP = """
CREATE FUNCTION cart_page(min_price double precision, max_price double precision,
                          min_quantity bigint, max_quantity bigint, page_limit integer, page_offset integer)
RETURNS TABLE (cart_id bigint, cart_price double precision, cart_quantity bigint, line_item_id bigint,
               line_name varchar, line_quantity bigint, line_available boolean, line_price double precision)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    page bigint[];
BEGIN
    EXECUTE 'SELECT coalesce(array_agg(id), ''{}'') FROM (SELECT id FROM carts'
        ' WHERE ($1 IS NULL OR price >= $1) AND ($2 IS NULL OR price <= $2)'
        ' AND ($3 IS NULL OR quantity >= $3) AND ($4 IS NULL OR quantity <= $4)'
        ' ORDER BY id LIMIT $5 OFFSET $6) AS page'
        INTO page USING min_price, max_price, min_quantity, max_quantity, page_limit, page_offset;
    RETURN QUERY
        SELECT c.id, c.price, c.quantity, l.item_id, i.name, l.quantity, NOT i.deleted, i.price
        FROM carts AS c
        LEFT JOIN (cart_items AS l CROSS JOIN LATERAL
                   (SELECT items.name, items.deleted, items.price FROM items
                    WHERE items.id = l.item_id OFFSET 0) AS i)
            ON l.cart_id = c.id
        WHERE c.id = ANY (page);
END $$;
"""

_POSTGRES_DOWN = """
DROP FUNCTION cart_page(double precision, double precision, bigint, bigint, integer, integer);
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_UP)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_DOWN)
