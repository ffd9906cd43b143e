"""What `migrate lint` must stop: desc becomes VARCHAR(255) (a table copy that blocks writes,
and narrower than TEXT) and a column the running build may read is dropped.

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
    op.alter_column(
        "some_infos", "desc", type_=sa.String(255), existing_type=sa.Text(), existing_nullable=False
    )
    op.drop_column("some_infos", "legacy")


def downgrade() -> None:
    op.add_column("some_infos", sa.Column("legacy", sa.Text(), nullable=True))
    op.alter_column("some_infos", "desc", type_=sa.Text(), existing_type=sa.String(255))
