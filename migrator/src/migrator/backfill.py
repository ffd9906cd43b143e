"""Backfill a column in bounded batches, for an expand/contract change, without losing a row.

One UPDATE over a big table holds its row locks until it commits and can stall the API's
writes; batches of `batch_size` keys, each committed by itself, never hold more than that. Each
batch runs in READ COMMITTED: under REPEATABLE READ, the last batch's range would also lock the
gap after the highest key, exactly where the API's new rows go.

The build still serving keeps inserting rows that leave the column NULL while this runs, so the
walk does not stop at a MAX(key) read once: it reads the next batch's bounds as it goes, until
no key is left, then starts over from the first row still pending, a few passes at most. It can
run again at any time; the contract revision runs it once more, when no old build is left,
right before it sets NOT NULL. For `migrate plan` and `migrate lint` (Alembic's offline mode)
it emits one representative batch.

    def upgrade() -> None:  # expand
        op.add_column("some_infos", sa.Column("summary", sa.String(64), nullable=True))
        backfill_in_batches("some_infos", "summary = SUBSTR(`desc`, 1, 64)", "summary IS NULL")

    def upgrade() -> None:  # contract, a release later
        backfill_in_batches("some_infos", "summary = SUBSTR(`desc`, 1, 64)", "summary IS NULL")
        op.alter_column("some_infos", "summary", existing_type=sa.String(64), nullable=False)
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

from migrator.engines.base import engine_for

DEFAULT_BATCH_SIZE = 1000
MAX_PASSES = 3


def backfill_in_batches(
    table: str,
    assignments: str,
    pending: str,
    *,
    key: str = "id",
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> int:
    """UPDATE `table` SET `assignments` WHERE `pending`, `batch_size` keys at a time, each batch
    committed by itself; return the rows changed. `pending` must turn false once a row is done,
    so that a rerun, or the next pass, resumes where work is left."""
    update = text(
        f"UPDATE {table} SET {assignments} "  # noqa: S608 - names from the revision, not input
        f"WHERE {key} > :low AND {key} <= :high AND ({pending})"
    )
    context = op.get_context()
    if context.as_sql:
        op.execute(update.bindparams(low=0, high=batch_size))
        return 0
    first_pending = text(f"SELECT MIN({key}) FROM {table} WHERE {pending}")  # noqa: S608
    batch_end = text(
        f"SELECT MAX({key}) FROM (SELECT {key} FROM {table} "  # noqa: S608
        f"WHERE {key} > :low ORDER BY {key} LIMIT :size) AS batch"
    )
    changed = 0
    with context.autocommit_block():
        connection = op.get_bind()
        database = engine_for(connection.engine.url)
        for _ in range(MAX_PASSES):
            first = connection.execute(first_pending).scalar()
            if first is None:
                break
            low = int(first) - 1
            while (
                high := connection.execute(batch_end, {"low": low, "size": batch_size}).scalar()
            ) is not None:
                database.before_batch(connection)
                changed += connection.execute(update, {"low": low, "high": int(high)}).rowcount
                low = int(high)
    return changed
