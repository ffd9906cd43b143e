"""Backfill a column in bounded batches, for the *expand* step of an expand/contract change.

One UPDATE over a big table holds its row locks until it commits and can stall the API's
writes; batches of `batch_size` keys, each committed by itself, never hold more than that. For
`migrate plan` and `migrate lint` (Alembic's offline mode) it emits one representative batch.

    def upgrade() -> None:
        op.add_column("some_infos", sa.Column("summary", sa.String(64), nullable=True))
        backfill_in_batches("some_infos", "summary = SUBSTR(`desc`, 1, 64)", "summary IS NULL")
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

DEFAULT_BATCH_SIZE = 1000


def backfill_in_batches(
    table: str,
    assignments: str,
    pending: str,
    *,
    key: str = "id",
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> int:
    """UPDATE `table` SET `assignments` WHERE `pending`, `batch_size` keys at a time, each batch
    in its own transaction; return the rows changed. `pending` must turn false once a row is
    done, so that a rerun after an interruption resumes where it stopped."""
    update = text(
        f"UPDATE {table} SET {assignments} "  # noqa: S608 - names from the revision, not input
        f"WHERE {key} > :low AND {key} <= :high AND ({pending})"
    )
    context = op.get_context()
    if context.as_sql:
        op.execute(update.bindparams(low=0, high=batch_size))
        return 0
    changed = 0
    with context.autocommit_block():
        connection = op.get_bind()
        bounds = connection.execute(text(f"SELECT MIN({key}), MAX({key}) FROM {table}")).one()  # noqa: S608
        if bounds[0] is None:
            return 0
        for low in range(int(bounds[0]) - 1, int(bounds[1]), batch_size):
            result = connection.execute(update, {"low": low, "high": low + batch_size})
            changed += result.rowcount
    return changed
