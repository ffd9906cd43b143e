"""add orders total cents

Revision ID: 3771cf3b6db8
Revises: 189ffd7226cd
Create Date: 2026-12-01 15:47:34.132651

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "3771cf3b6db8"
down_revision: str | Sequence[str] | None = "189ffd7226cd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    # Nullable: the running build does not write it yet; backfilled in bef3e2ef1cec.
    op.add_column("orders", sa.Column("total_cents", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("orders", "total_cents")
