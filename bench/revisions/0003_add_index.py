"""Bench: a secondary index on the hot table (INPLACE, LOCK=NONE on MySQL 8.4 and MariaDB).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_some_infos_desc", "some_infos", ["desc"], mysql_length={"desc": 16})


def downgrade() -> None:
    op.drop_index("ix_some_infos_desc", "some_infos")
