"""no-replay-half-applied: a revision that failed after one of its statements committed (MySQL
cannot roll DDL back; on PostgreSQL, one in an autocommit block) is never run again: the next
upgrade refuses with exit 10, naming it, instead of replaying its CREATE TABLE."""

from __future__ import annotations

import pytest

from migrator.errors import MigrationFailed, NeedsRepair
from tests.safety.cells import Cell, CellContext, grid
from tests.safety.matrix import Matrix
from tests.safety.projects import after_base
from tests.safety.runs import describe, history, rows_of, run

pytestmark = pytest.mark.safety_matrix

X = "0002"


def no_replay_half_applied(ctx: CellContext) -> None:
    server, found = ctx.shared, ctx.findings
    database = ctx.fresh_database(server)
    half_applied = after_base(
        X,
        ctx.kit.committed("CREATE TABLE x1 (id INT PRIMARY KEY)"),
        "ALTER TABLE no_such_table ADD COLUMN y INT",
    )
    url, project = ctx.url(server, database), ctx.project(half_applied)

    first = run(url, "upgrade", **project.settings)
    second = run(url, "upgrade", **project.settings)
    rows_of_x = rows_of(history(server, database), X)  # one row: the second run ran nothing

    found.expect(
        first.code == MigrationFailed.exit_code,
        f"the first upgrade exited {first.code}, not {MigrationFailed.exit_code}:{first.tail()}",
    )
    found.expect(
        [(row["outcome"], row["statements"]) for row in rows_of_x] == [("failed", 1)],
        f"{X}'s history is {[describe(row) for row in rows_of_x]}, not one row 'failed' "
        "with 1 statement",
    )
    found.expect(
        second.code == NeedsRepair.exit_code,
        f"the second upgrade exited {second.code}, not {NeedsRepair.exit_code}:{second.tail()}",
    )
    found.expect(
        any(X in line and "repair" in line for line in second.stderr.splitlines()),
        f"the second upgrade's log does not say that {X} needs repair:{second.tail()}",
    )


@pytest.mark.parametrize("cell", grid("no-replay-half-applied", no_replay_half_applied, cost=6))
def test_no_replay_half_applied(cell: Cell, matrix: Matrix) -> None:
    matrix.verify(cell)
