"""Create a table, then fail: a revision that leaves MySQL half-migrated.

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
    op.create_table("half_done", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("ALTER TABLE no_such_table ADD COLUMN x INT")


def downgrade() -> None:
    op.drop_table("half_done")
