"""Insert a row, then fail on a duplicate column: MySQL has committed the INSERT by then (the
ALTER commits the transaction before it runs), so a replay would insert it twice.

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
    op.execute("INSERT INTO some_infos (`desc`) VALUES ('seeded by 0002')")
    op.add_column("some_infos", sa.Column("desc", sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM some_infos WHERE `desc` = 'seeded by 0002'")
