"""An additive revision: a nullable column on the hot table (INSTANT on MySQL 8.4).

The ADD COLUMN row of bench/migration_traffic.py, and the revision that make k8s-e2e's second
release brings, rolled out under load.

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
    op.add_column("some_infos", sa.Column("notes", sa.String(255), nullable=True))


def downgrade() -> None:
    op.drop_column("some_infos", "notes")
