"""index books genre id shelved at

Revision ID: c6ed817380be
Revises: f881d5ce56ca
Create Date: 2026-12-03 17:13:09.427990

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c6ed817380be"
down_revision: str | Sequence[str] | None = "f881d5ce56ca"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    # A genre's shelf, newest first. CONCURRENTLY keeps books writable while the index builds;
    # PostgreSQL refuses it inside a transaction block, so it runs outside Alembic's.
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_books_genre_id_shelved_at",
            "books",
            ["genre_id", "shelved_at"],
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.get_context().autocommit_block():
        op.drop_index(
            "ix_books_genre_id_shelved_at", table_name="books", postgresql_concurrently=True
        )
