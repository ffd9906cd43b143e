"""add books subtitle

Revision ID: bca03ff345e4
Revises: c6ed817380be
Create Date: 2026-12-03 17:13:11.400116

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "bca03ff345e4"
down_revision: str | Sequence[str] | None = "c6ed817380be"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    # Nullable, no default: a catalogue change only, no rewrite of books.
    op.add_column("books", sa.Column("subtitle", sa.String(length=300), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("books", "subtitle")
