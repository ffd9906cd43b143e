"""Add a column the models do not have: drift that `migrate check` must catch.

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
    op.add_column("some_infos", sa.Column("undeclared", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("some_infos", "undeclared")
