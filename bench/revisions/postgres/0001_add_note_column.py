"""Bench (PostgreSQL): a nullable column on the table pgbench writes, a catalogue change only.

It needs ACCESS EXCLUSIVE on the table for a moment, so it queues behind any transaction that
has read the table, and every write after it queues behind it.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("bench_rows", sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("bench_rows", "note")
