"""index orders customer id placed at

Revision ID: 4086d7343010
Revises: e6bccd4f16a0
Create Date: 2026-12-03 17:13:17.550839

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "4086d7343010"
down_revision: str | Sequence[str] | None = "e6bccd4f16a0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    # "My orders", newest first, built while the shop keeps taking orders. PostgreSQL refuses
    # CREATE INDEX CONCURRENTLY inside a transaction block: it runs outside Alembic's.
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_orders_customer_id_placed_at",
            "orders",
            ["customer_id", "placed_at"],
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.get_context().autocommit_block():
        op.drop_index(
            "ix_orders_customer_id_placed_at", table_name="orders", postgresql_concurrently=True
        )
