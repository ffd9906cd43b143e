"""What `migrate lint` must let through: a nullable column, and a VARCHAR widened within the same
length prefix (50 to 60 characters of utf8mb4: 200 to 240 bytes, both under 256).

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
    op.add_column("some_infos", sa.Column("title", sa.String(50), nullable=True))
    op.alter_column(
        "some_infos",
        "title",
        type_=sa.String(60),
        existing_type=sa.String(50),
        nullable=True,
        existing_nullable=True,
    )


def downgrade() -> None:
    op.drop_column("some_infos", "title")
