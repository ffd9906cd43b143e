"""Expand: add a nullable summary column and backfill it in bounded batches.

The build still serving knows nothing of `summary`: its INSERTs leave it NULL, which the
column allows, so both builds run side by side while this lands.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from migrator.backfill import backfill_in_batches

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("some_infos", sa.Column("summary", sa.String(64), nullable=True))
    backfill_in_batches(
        "some_infos", "summary = SUBSTR(`desc`, 1, 64)", "summary IS NULL", batch_size=200
    )


def downgrade() -> None:
    op.drop_column("some_infos", "summary")
