"""create authors genres and books

Revision ID: 49ddfd85f75a
Revises:
Create Date: 2026-12-03 17:13:05.685288

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "49ddfd85f75a"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "authors",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("born_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "genres",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug", name="uq_genres_slug"),
    )
    # create_table emits CREATE TYPE book_format before the table; drop_table leaves it.
    op.create_table(
        "books",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("genre_id", sa.Integer(), nullable=True),
        sa.Column("isbn", sa.String(length=17), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("format", sa.Enum("hardback", "paperback", name="book_format"), nullable=False),
        sa.Column(
            "shelved_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(["author_id"], ["authors.id"], name="fk_books_author_id_authors"),
        sa.ForeignKeyConstraint(
            ["genre_id"], ["genres.id"], name="fk_books_genre_id_genres", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("isbn", name="uq_books_isbn"),
    )
    op.create_index("ix_books_author_id", "books", ["author_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("books")
    op.execute("DROP TYPE book_format")
    op.drop_table("genres")
    op.drop_table("authors")
