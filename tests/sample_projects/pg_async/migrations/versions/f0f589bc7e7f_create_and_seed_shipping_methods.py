"""create and seed shipping methods

Revision ID: f0f589bc7e7f
Revises: 4086d7343010
Create Date: 2026-12-03 17:13:19.421718

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "f0f589bc7e7f"
down_revision: str | Sequence[str] | None = "4086d7343010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("price_cents", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code", name="uq_shipping_methods_code"),
    )
    op.bulk_insert(
        shipping_methods,
        [
            {"code": "standard", "name": "Standard (3-5 days)", "price_cents": 495},
            {"code": "courier", "name": "Courier (next day)", "price_cents": 1295},
            {"code": "locker", "name": "Parcel locker", "price_cents": 295},
        ],
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("shipping_methods")
