"""The fix an operator writes after 0002 failed halfway: tolerate the table it left behind.

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
    op.create_table(
        "half_done", sa.Column("id", sa.Integer(), primary_key=True), if_not_exists=True
    )


def downgrade() -> None:
    op.drop_table("half_done")
