"""cancelled-returns-normally: KILL QUERY interrupts SLEEP() without an error (it returns 1),
so the cancelled statement looks like one that completed. A revision whose statement the runner
cancelled is still `interrupted`, never applied, and nothing of it runs after the signal."""

from __future__ import annotations

import time

import pytest

from tests.safety.cells import Cell, CellContext, grid
from tests.safety.matrix import Matrix
from tests.safety.projects import after_base
from tests.safety.runs import (
    describe,
    expect_prompt_exit,
    history,
    newest,
    rows_of,
    upgrade_running,
)
from tests.safety.views import has_table, versions

pytestmark = pytest.mark.safety_matrix

X = "0002"
SLEEP = "SELECT SLEEP(30)"
CANCELLED = after_base(X, SLEEP, "CREATE TABLE after_sleep (id INT)")
SIGNAL_AFTER_SECONDS = 2.0


def cancelled_returns_normally(ctx: CellContext) -> None:
    server, found = ctx.shared, ctx.findings
    database = ctx.fresh_database(server)
    url, project = ctx.url(server, database), ctx.project(CANCELLED)

    with upgrade_running(url, server, database, SLEEP, **project.settings) as (runner, _):
        time.sleep(SIGNAL_AFTER_SECONDS)
        ended = runner.terminate()
    rows_of_x = rows_of(history(server, database), X)
    newest_x = newest(rows_of_x, X)

    expect_prompt_exit(found, ended)
    found.expect(
        newest_x is not None and newest_x["outcome"] == "interrupted",
        f"{X}'s newest row is {describe(newest_x)}, not 'interrupted'",
    )
    found.expect(
        all(row["outcome"] != "applied" for row in rows_of_x),
        f"a history row says the cancelled {X} was applied",
    )
    found.expect(X not in versions(server, database), f"the version table is at {X}")
    found.expect(
        not has_table(server, database, "after_sleep"),
        "after_sleep exists: a statement of the revision started after the signal",
    )


@pytest.mark.parametrize(
    "cell",
    grid(
        "cancelled-returns-normally",
        cancelled_returns_normally,
        cost=12,
        not_on_postgresql=(
            "a cancel fails the statement on PostgreSQL (57014 query_canceled): none returns "
            "normally there (sigterm-within-5s shows the cancel)"
        ),
    ),
)
def test_cancelled_returns_normally(cell: Cell, matrix: Matrix) -> None:
    matrix.verify(cell)
