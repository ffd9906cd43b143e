"""add refunded order status

Revision ID: 5bd27db525ce
Revises: 8da8f7d99ba6
Create Date: 2026-12-03 17:13:23.108489

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "5bd27db525ce"
down_revision: str | Sequence[str] | None = "8da8f7d99ba6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    # Before PostgreSQL 12 ADD VALUE cannot run in a transaction block, and from 12 on the new
    # value cannot be used until it commits: run it on its own. It commits by itself, ahead of
    # the version row, so IF NOT EXISTS lets a run that died in between apply it again.
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")


def downgrade() -> None:
    """Downgrade schema."""
    # PostgreSQL cannot drop an enum value: build the type again without it. The column's
    # default is of the old type and cannot be cast with it: drop it, then set it again.
    op.execute("UPDATE orders SET status = 'paid' WHERE status = 'refunded'")
    op.execute("ALTER TABLE orders ALTER COLUMN status DROP DEFAULT")
    op.execute("ALTER TYPE order_status RENAME TO order_status_old")
    op.execute("CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped')")
    op.execute(
        "ALTER TABLE orders ALTER COLUMN status TYPE order_status USING status::text::order_status"
    )
    op.execute("ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'pending'")
    op.execute("DROP TYPE order_status_old")
