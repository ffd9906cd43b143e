"""A data migration that reads rows back through op.get_bind(): offline (lint, upgrade --sql)
there are none to read, so upgrade() raises halfway, after a column is dropped.

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
    op.drop_column("some_infos", "legacy")
    rows = op.get_bind().execute(sa.text("SELECT id FROM some_infos")).fetchall()
    for (row_id,) in rows:
        op.execute(
            sa.text("UPDATE some_infos SET kind = 'note' WHERE id = :id").bindparams(id=row_id)
        )


def downgrade() -> None:
    pass
