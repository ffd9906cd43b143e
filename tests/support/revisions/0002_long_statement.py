"""A statement that runs 20 s (as an index build on a big table would), then an ADD COLUMN.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DO SLEEP(20)")
    op.add_column("some_infos", sa.Column("notes", sa.String(255), nullable=True))


def downgrade() -> None:
    op.drop_column("some_infos", "notes")
