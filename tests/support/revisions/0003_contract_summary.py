"""Contract: summary becomes NOT NULL, once no running build inserts rows without it.

The build that knew nothing of summary kept inserting rows (summary NULL) until it was gone, so
the backfill runs once more, right before NOT NULL: otherwise the ALTER fails in strict mode (or,
under a lax sql_mode, silently writes '' into those rows).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from migrator.backfill import backfill_in_batches

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    backfill_in_batches(
        "some_infos", "summary = SUBSTR(`desc`, 1, 64)", "summary IS NULL", batch_size=200
    )
    op.alter_column("some_infos", "summary", existing_type=sa.String(64), nullable=False)


def downgrade() -> None:
    op.alter_column("some_infos", "summary", existing_type=sa.String(64), nullable=True)
