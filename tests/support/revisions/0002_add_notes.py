"""Add a notes table: an additive revision the running API does not know.

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
    op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("notes")
