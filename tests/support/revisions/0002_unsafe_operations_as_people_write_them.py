"""What `migrate lint` once passed as clean (issue 19), one operation each, as people write them.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy import text

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("some_infos") as batch:
        batch.drop_column("legacy")
    op.create_index("ix_some_infos_code", "some_infos", ["code"], unique=True)
    op.create_check_constraint("ck_some_infos_size", "some_infos", "size >= 0")
    op.add_column(
        "some_infos",
        sa.Column("desc_len", sa.Integer(), sa.Computed("CHAR_LENGTH(`desc`)", persisted=True)),
    )
    op.alter_column(
        "some_infos",
        "kind",
        server_default=None,
        existing_type=sa.String(20),
        existing_nullable=False,
    )
    op.execute(text("UPDATE some_infos SET kind = 'note'"))
    op.execute("/* make room for longer notes */ ALTER TABLE some_infos MODIFY notes TEXT")


def downgrade() -> None:
    pass
