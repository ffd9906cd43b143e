"""add orders shipping method id

Revision ID: 8da8f7d99ba6
Revises: f0f589bc7e7f
Create Date: 2026-12-03 17:13:21.283696

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "8da8f7d99ba6"
down_revision: str | Sequence[str] | None = "f0f589bc7e7f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    # Nullable: orders placed before this release have no shipping method, and the running
    # build does not write one yet.
    op.add_column("orders", sa.Column("shipping_method_id", sa.Integer(), nullable=True))
    # In two steps: NOT VALID adds the constraint without reading orders under its lock;
    # VALIDATE reads them under a weaker one, in a transaction of its own.
    op.create_foreign_key(
        "fk_orders_shipping_method_id_shipping_methods",
        "orders",
        "shipping_methods",
        ["shipping_method_id"],
        ["id"],
        postgresql_not_valid=True,
    )
    with op.get_context().autocommit_block():
        op.execute(
            "ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_shipping_method_id_shipping_methods"
        )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_constraint(
        "fk_orders_shipping_method_id_shipping_methods", "orders", type_="foreignkey"
    )
    op.drop_column("orders", "shipping_method_id")
