"""An index build on a big table: INPLACE, with concurrent writes, until it takes the table's
exclusive metadata lock again to commit.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE some_infos ADD INDEX ix_some_infos_desc (`desc`(20)), "
        "ALGORITHM=INPLACE, LOCK=NONE"
    )


def downgrade() -> None:
    op.drop_index("ix_some_infos_desc", table_name="some_infos")
