"""Another release branch's revision after 0001: a sibling of this build's 0002.

Revision ID: 0002s
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002s"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("sibling_only", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("sibling_only")
