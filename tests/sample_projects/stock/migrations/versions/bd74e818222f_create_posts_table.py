"""create posts table

Revision ID: bd74e818222f
Revises: 93b5a25d5b30
Create Date: 2026-12-01 15:47:23.429576

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "bd74e818222f"
down_revision: str | Sequence[str] | None = "93b5a25d5b30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "posts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("slug", sa.String(length=191), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="draft", nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["authors.id"], name="fk_posts_author_id_authors", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug", name="uq_posts_slug"),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    # An author's page lists their posts newest first; the front page lists published ones.
    op.create_index("ix_posts_author_id_published_at", "posts", ["author_id", "published_at"])
    op.create_index("ix_posts_status_published_at", "posts", ["status", "published_at"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("posts")
