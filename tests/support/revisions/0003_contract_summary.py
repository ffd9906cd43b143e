"""Contract: summary becomes NOT NULL, once no running build inserts rows without it.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("some_infos", "summary", existing_type=sa.String(64), nullable=False)


def downgrade() -> None:
    op.alter_column("some_infos", "summary", existing_type=sa.String(64), nullable=True)
