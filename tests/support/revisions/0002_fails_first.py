"""Fail at the first statement: nothing of the revision ran, so a rerun may start it afresh.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE no_such_table ADD COLUMN x INT")


def downgrade() -> None:
    pass
