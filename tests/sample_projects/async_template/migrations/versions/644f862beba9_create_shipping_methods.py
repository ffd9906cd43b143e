"""create shipping methods

Revision ID: 644f862beba9
Revises: 3771cf3b6db8
Create Date: 2026-12-01 15:47:35.985978

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "644f862beba9"
down_revision: str | Sequence[str] | None = "3771cf3b6db8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

lint_accept = {
    "add-foreign-key orders": "orders holds a few thousand rows at this release: the copy takes "
    "well under a second, inside the maintenance window",
}

shipping_methods = sa.table(
    "shipping_methods",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("price_cents", sa.Integer),
)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "shipping_methods",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("price_cents", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code", name="uq_shipping_methods_code"),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.bulk_insert(
        shipping_methods,
        [
            {"code": "standard", "name": "Standard (3-5 days)", "price_cents": 495},
            {"code": "express", "name": "Express (next day)", "price_cents": 1295},
            {"code": "pickup", "name": "Pick up in store", "price_cents": 0},
        ],
    )
    op.add_column("orders", sa.Column("shipping_method_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        "fk_orders_shipping_method_id_shipping_methods",
        "orders",
        "shipping_methods",
        ["shipping_method_id"],
        ["id"],
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_constraint(
        "fk_orders_shipping_method_id_shipping_methods", "orders", type_="foreignkey"
    )
    op.drop_column("orders", "shipping_method_id")
    op.drop_table("shipping_methods")
