"""commit alembic's transaction behind its back

A fixture, in no project's chain: a test copies it onto the head of a project's chain and
rewrites down_revision. Its upgrade() creates a table, then commits the connection Alembic
handed it (op.get_bind().commit()), ending the transaction Alembic opened around the run, then
creates a second table.

What it demonstrates: under plain `alembic upgrade head` with the stock env.py (one transaction
for the whole run, `with context.begin_transaction()`), the log says "Running upgrade ... ->
c0ffee000001" and the command exits 0, yet the revision is not applied. The commit made
everything before it durable: the revisions before this one, their version row and the first
table. The second table and this revision's own version row run in a transaction SQLAlchemy
begins by itself, which nobody commits: Alembic's transaction context finds its transaction
already committed and does nothing, and env.py's `with connectable.connect()` rolls the new
one back when it closes the connection. alembic_version is left at the previous head, with
pg_commits_first present and pg_commits_second absent; the next upgrade runs this revision
again and fails (exit 1) on the first table, which already exists.

Hence the head: a revision after it would run in that unowned transaction too, and one that
opens an autocommit_block fails with "This transaction is inactive" (Alembic commits its own
transaction, which is already committed, before the block).

Revision ID: c0ffee000001
Revises:
Create Date: 2026-12-03 17:20:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c0ffee000001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "pg_commits_first",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.get_bind().commit()
    op.create_table(
        "pg_commits_second",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP TABLE IF EXISTS pg_commits_second")
    op.execute("DROP TABLE IF EXISTS pg_commits_first")
