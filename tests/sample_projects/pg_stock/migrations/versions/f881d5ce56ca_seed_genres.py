"""seed genres

Revision ID: f881d5ce56ca
Revises: 49ddfd85f75a
Create Date: 2026-12-03 17:13:07.559233

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "f881d5ce56ca"
down_revision: str | Sequence[str] | None = "49ddfd85f75a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

lint_accept = {
    "full-table-dml books": "a library's catalogue: a few thousand books, one short transaction"
}

genres = sa.table("genres", sa.column("slug", sa.String), sa.column("name", sa.String))

DEFAULT_GENRES = [
    {"slug": "biography", "name": "Biography"},
    {"slug": "fiction", "name": "Fiction"},
    {"slug": "history", "name": "History"},
    {"slug": "science", "name": "Science"},
]


def upgrade() -> None:
    """Upgrade schema."""
    op.bulk_insert(genres, DEFAULT_GENRES)
    # Books shelved before genres existed were all novels.
    op.execute(
        "UPDATE books SET genre_id = (SELECT id FROM genres WHERE slug = 'fiction') "
        "WHERE genre_id IS NULL"
    )


def downgrade() -> None:
    """Downgrade schema."""
    # books.genre_id is ON DELETE SET NULL: the books stay, uncategorised again.
    op.execute("DELETE FROM genres WHERE slug IN ('biography', 'fiction', 'history', 'science')")
