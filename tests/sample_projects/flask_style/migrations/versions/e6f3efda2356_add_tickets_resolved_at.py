"""add tickets resolved at

Revision ID: e6f3efda2356
Revises: c8b2561f2ec8
Create Date: 2026-12-01 15:47:44.785213

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e6f3efda2356"
down_revision = "c8b2561f2ec8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(), nullable=True))

    # Tickets closed before this release: their last update is when they were resolved.
    op.execute(
        "UPDATE tickets SET resolved_at = updated_at "
        "WHERE status IN ('resolved', 'closed') AND resolved_at IS NULL"
    )


def downgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("resolved_at")
