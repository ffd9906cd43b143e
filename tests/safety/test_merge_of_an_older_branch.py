"""merge-of-an-older-branch: the database is at b1 (the older build had B and b1); the new
build adds c1, a branch from B, and a merge m of b1 and c1. Alembic runs c1 inside m's step;
c1 is still observed as a revision of its own (its row, checksum and statements), and when it
fails halfway it is refused, never replayed."""

from __future__ import annotations

import pytest

from migrator.errors import MigrationFailed, NeedsRepair
from migrator.exit_codes import OK
from tests.safety.cells import Cell, CellContext, grid
from tests.safety.checks import require
from tests.safety.matrix import Matrix
from tests.safety.projects import Project, Revision, after_base
from tests.safety.runs import describe, history, newest, run

pytestmark = pytest.mark.safety_matrix

OLDER = after_base("b1", "CREATE TABLE b1_t (id INT)")
BRANCH = after_base("c1", "CREATE TABLE c1_t (id INT)")
MERGE = Revision("m1", ("b1", "c1"), (), doc="merge b1 and c1")


def _at_the_older_build(ctx: CellContext) -> tuple[str, str, Project]:
    """A database upgraded by the older build (B, b1), its URL, and the project."""
    server = ctx.shared
    database = ctx.fresh_database(server)
    url, project = ctx.url(server, database), ctx.project(OLDER)
    older = run(url, "upgrade", **project.settings)
    require(older.code == OK, f"the older build's upgrade exited {older.code}:{older.tail()}")
    return database, url, project


def merge_of_an_older_branch(ctx: CellContext) -> None:
    server, found = ctx.shared, ctx.findings
    database, url, project = _at_the_older_build(ctx)
    project.add(BRANCH, MERGE)  # the new build

    ended = run(url, "upgrade", **project.settings)
    rows = history(server, database)
    c1, m1 = newest(rows, "c1"), newest(rows, "m1")

    found.expect(ended.code == OK, f"the upgrade exited {ended.code}, not {OK}:{ended.tail()}")
    found.expect(
        c1 is not None
        and (c1["outcome"], c1["statements"]) == ("applied", 1)
        and bool(c1["checksum"]),
        f"c1's row is {describe(c1)} (checksum {c1 and c1['checksum']!r}), not 'applied' with "
        "1 statement and its checksum",
    )
    found.expect(
        m1 is not None and m1["outcome"] == "applied",
        f"m1's row is {describe(m1)}, not 'applied'",
    )


def merge_of_an_older_branch_half_applied(ctx: CellContext) -> None:
    server, found = ctx.shared, ctx.findings
    database, url, project = _at_the_older_build(ctx)
    branch_half_applied = after_base(
        "c1",
        ctx.kit.committed("CREATE TABLE c1_t (id INT)"),
        "ALTER TABLE no_such_table ADD COLUMN y INT",
    )
    project.add(branch_half_applied, MERGE)  # the new build

    first = run(url, "upgrade", **project.settings)
    c1 = newest(history(server, database), "c1")
    rerun = run(url, "upgrade", **project.settings)

    found.expect(
        first.code == MigrationFailed.exit_code,
        f"the upgrade exited {first.code}, not {MigrationFailed.exit_code}:{first.tail()}",
    )
    found.expect(
        c1 is not None and (c1["outcome"], c1["statements"]) == ("failed", 1),
        f"c1's newest row is {describe(c1)}, not 'failed' with 1 statement",
    )
    found.expect(
        rerun.code == NeedsRepair.exit_code,
        f"the rerun exited {rerun.code}, not {NeedsRepair.exit_code} (c1 replayed: its CREATE "
        f"TABLE c1_t ran again):{rerun.tail()}",
    )


@pytest.mark.parametrize("cell", grid("merge-of-an-older-branch", merge_of_an_older_branch, cost=8))
def test_merge_of_an_older_branch(cell: Cell, matrix: Matrix) -> None:
    matrix.verify(cell)


@pytest.mark.parametrize(
    "cell",
    grid("merge-of-an-older-branch-half-applied", merge_of_an_older_branch_half_applied, cost=8),
)
def test_merge_of_an_older_branch_half_applied(cell: Cell, matrix: Matrix) -> None:
    matrix.verify(cell)
