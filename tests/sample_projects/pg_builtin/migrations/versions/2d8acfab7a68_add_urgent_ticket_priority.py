"""add urgent ticket priority

Revision ID: 2d8acfab7a68
Revises: 461b73f84a6d
Create Date: 2026-12-03 17:13:27.543223

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "2d8acfab7a68"
down_revision = "461b73f84a6d"
branch_labels = None
depends_on = None


def upgrade():
    # Before PostgreSQL 12 ADD VALUE cannot run in a transaction block, and from 12 on the new
    # value cannot be used until it commits: run it on its own. It commits by itself, ahead of
    # the version row, so IF NOT EXISTS lets a run that died in between apply it again.
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE ticket_priority ADD VALUE IF NOT EXISTS 'urgent' AFTER 'high'")


def downgrade():
    # PostgreSQL cannot drop an enum value: build the type again without it.
    op.execute("UPDATE tickets SET priority = 'high' WHERE priority = 'urgent'")
    op.execute("ALTER TYPE ticket_priority RENAME TO ticket_priority_old")
    op.execute("CREATE TYPE ticket_priority AS ENUM ('low', 'normal', 'high')")
    op.execute(
        "ALTER TABLE tickets ALTER COLUMN priority TYPE ticket_priority "
        "USING priority::text::ticket_priority"
    )
    op.execute("DROP TYPE ticket_priority_old")
