"""add tickets first response at

Revision ID: 41022c97643f
Revises: d462e3320a04
Create Date: 2026-12-03 17:13:30.154755

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "41022c97643f"
down_revision = "d462e3320a04"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "tickets", sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade():
    op.drop_column("tickets", "first_response_at")
