"""seed default queues

Revision ID: 461b73f84a6d
Revises: f11206b14cca
Create Date: 2026-12-03 17:13:26.237755

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "461b73f84a6d"
down_revision = "f11206b14cca"
branch_labels = None
depends_on = None

queues_table = sa.table("queues", sa.column("name", sa.String))


def upgrade():
    op.bulk_insert(
        queues_table,
        [{"name": "billing"}, {"name": "general"}, {"name": "technical"}],
    )


def downgrade():
    # A queue that holds tickets stays: deleting it would need its tickets gone first.
    op.execute(
        "DELETE FROM queues WHERE name IN ('billing', 'general', 'technical') "
        "AND NOT EXISTS (SELECT 1 FROM tickets WHERE tickets.queue_id = queues.id)"
    )
