"""create queues agents and tickets

Revision ID: f11206b14cca
Revises:
Create Date: 2026-12-03 17:13:24.931033

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f11206b14cca"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "queues",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "priority", sa.Enum("low", "normal", "high", name="ticket_priority"), nullable=False
        ),
        sa.Column(
            "opened_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["assignee_id"], ["agents.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["queue_id"], ["queues.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_tickets_assignee_id"), "tickets", ["assignee_id"])


def downgrade():
    op.drop_table("tickets")
    # drop_table leaves the enum type create_table made.
    op.execute("DROP TYPE ticket_priority")
    op.drop_table("agents")
    op.drop_table("queues")
