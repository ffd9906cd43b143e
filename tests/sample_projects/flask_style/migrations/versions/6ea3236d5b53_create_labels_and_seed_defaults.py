"""create labels and seed defaults

Revision ID: 6ea3236d5b53
Revises: e6f3efda2356
Create Date: 2026-12-01 15:47:46.497881

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6ea3236d5b53"
down_revision = "e6f3efda2356"
branch_labels = None
depends_on = None

labels_table = sa.table("labels", sa.column("name", sa.String), sa.column("color", sa.String))


def upgrade():
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("color", sa.String(length=7), server_default="#888888", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "ticket_labels",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["label_id"], ["labels.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id", "label_id"),
    )
    op.bulk_insert(
        labels_table,
        [
            {"name": "bug", "color": "#d73a4a"},
            {"name": "feature", "color": "#a2eeef"},
            {"name": "question", "color": "#d876e3"},
            {"name": "wontfix", "color": "#ffffff"},
        ],
    )


def downgrade():
    op.drop_table("ticket_labels")
    op.drop_table("labels")
