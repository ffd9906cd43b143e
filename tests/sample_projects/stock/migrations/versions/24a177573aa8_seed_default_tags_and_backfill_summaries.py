"""seed default tags and backfill summaries

Revision ID: 24a177573aa8
Revises: 542c3da5c51e
Create Date: 2026-12-01 15:47:28.694438

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "24a177573aa8"
down_revision: str | Sequence[str] | None = "542c3da5c51e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A small blog: one statement over posts holds its row locks for well under a second.
lint_accept = {"full-table-dml posts": "a few hundred posts; one short transaction"}

tags = sa.table("tags", sa.column("name", sa.String), sa.column("slug", sa.String))

DEFAULT_TAGS = [
    {"name": "News", "slug": "news"},
    {"name": "Tutorials", "slug": "tutorials"},
    {"name": "Release notes", "slug": "release-notes"},
]


def upgrade() -> None:
    """Upgrade schema."""
    op.bulk_insert(tags, DEFAULT_TAGS)
    # Posts written before summaries existed show the start of their body.
    op.execute("UPDATE posts SET summary = LEFT(body, 200) WHERE summary IS NULL")


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DELETE FROM tags WHERE slug IN ('news', 'tutorials', 'release-notes')")
