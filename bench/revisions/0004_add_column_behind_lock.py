"""Bench: ADD COLUMN while another transaction holds the table's metadata lock.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("some_infos", sa.Column("tags", sa.String(255), nullable=True))


def downgrade() -> None:
    op.drop_column("some_infos", "tags")
