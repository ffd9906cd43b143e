"""add ebook book format

Revision ID: 07f47f60b597
Revises: bca03ff345e4
Create Date: 2026-12-03 17:13:13.484993

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "07f47f60b597"
down_revision: str | Sequence[str] | None = "bca03ff345e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    # Before PostgreSQL 12 ADD VALUE cannot run in a transaction block, and from 12 on the new
    # value cannot be used until it commits: run it on its own. It commits by itself, ahead of
    # the version row, so IF NOT EXISTS lets a run that died in between apply it again.
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE book_format ADD VALUE IF NOT EXISTS 'ebook'")


def downgrade() -> None:
    """Downgrade schema."""
    # PostgreSQL cannot drop an enum value: build the type again without it.
    op.execute("UPDATE books SET format = 'paperback' WHERE format = 'ebook'")
    op.execute("ALTER TYPE book_format RENAME TO book_format_old")
    op.execute("CREATE TYPE book_format AS ENUM ('hardback', 'paperback')")
    op.execute(
        "ALTER TABLE books ALTER COLUMN format TYPE book_format USING format::text::book_format"
    )
    op.execute("DROP TYPE book_format_old")
