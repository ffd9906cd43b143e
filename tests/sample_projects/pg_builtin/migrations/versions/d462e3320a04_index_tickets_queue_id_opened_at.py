"""index tickets queue id opened at

Revision ID: d462e3320a04
Revises: 2d8acfab7a68
Create Date: 2026-12-03 17:13:28.849346

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d462e3320a04"
down_revision = "2d8acfab7a68"
branch_labels = None
depends_on = None


def upgrade():
    # A queue's tickets, oldest first, built while agents keep working them. PostgreSQL
    # refuses CREATE INDEX CONCURRENTLY inside a transaction block: it runs outside Alembic's.
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_tickets_queue_id_opened_at",
            "tickets",
            ["queue_id", "opened_at"],
            postgresql_concurrently=True,
        )


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index(
            "ix_tickets_queue_id_opened_at", table_name="tickets", postgresql_concurrently=True
        )
