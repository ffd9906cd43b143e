"""add posts summary

Revision ID: 542c3da5c51e
Revises: 00e2b88f5bae
Create Date: 2026-12-01 15:47:27.015978

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "542c3da5c51e"
down_revision: str | Sequence[str] | None = "00e2b88f5bae"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("posts", sa.Column("summary", sa.String(length=500), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("posts", "summary")
