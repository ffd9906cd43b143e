"""no-replay-after-uncancellable-sigterm: SIGTERM during a statement that cannot stop within
the runner's cancel grace (a big InnoDB rollback) still ends the run within 5 s, but the runner
cannot confirm the statement stopped: its revision stays `unknown`, and a second runner
started at once refuses (exit 10) instead of running the same INSERT ... SELECT beside it."""

from __future__ import annotations

import time

import pytest

from migrator.errors import NeedsRepair
from tests.safety.cells import Cell, CellContext, grid
from tests.safety.checks import require
from tests.safety.matrix import Matrix
from tests.safety.projects import Revision, after_base
from tests.safety.runs import (
    Runner,
    describe,
    expect_prompt_exit,
    history,
    rows_of,
    upgrade_running,
)
from tests.safety.views import count, session, sessions_running

pytestmark = pytest.mark.safety_matrix

X = "0003"
# No primary key: two committed copies would show as more rows than the source has. The index
# doubles the work per row, and so the copy's and its rollback's time (tests/safety/bulk.py).
DESTINATION = after_base(
    "0002", "CREATE TABLE dst (id INT NOT NULL, v VARCHAR(200) NOT NULL, KEY ix_dst_v (v))"
)
SIGNAL_AFTER_SECONDS = 8.0
# The second runner may wait for the migration lock while the first copy rolls back.
RERUN_WITHIN_SECONDS = 120.0


def no_replay_after_uncancellable_sigterm(ctx: CellContext) -> None:
    source = ctx.bulk_source()
    server, found = source.server, ctx.findings
    database = server.create_database()  # the bulk server, and its rollbacks, go at the end
    url = ctx.url(server, database)
    copy = f"INSERT INTO dst SELECT * FROM {source.table}"
    project = ctx.project(DESTINATION, Revision(X, "0002", (copy,)))

    with upgrade_running(url, server, database, copy, **project.settings) as (first, running):
        time.sleep(SIGNAL_AFTER_SECONDS)
        before = session(server, running.id)
        require(
            before is not None and before.info == copy and "rollback" not in before.state.lower(),
            f"inconclusive: the INSERT ... SELECT of {source.rows} rows ended within "
            f"{SIGNAL_AFTER_SECONDS:g} s ({before}): the cell could not signal it mid-way",
        )
        ended = first.terminate()
    at_exit = session(server, running.id)
    found.note(f"the copy when the runner exited: {at_exit}")
    if expect_prompt_exit(found, ended):
        require(
            at_exit is not None and at_exit.running_a_statement,
            f"inconclusive: the INSERT ... SELECT (session {running.id}) had ended on the server "
            f"when the runner exited ({at_exit}): the cell did not create a statement that "
            "outlasts the cancel grace",
        )
    second = Runner(url, "upgrade", **project.settings)
    copies = {running.id}
    while second.ended_early() is None and time.monotonic() < second.started + RERUN_WITHIN_SECONDS:
        copies |= {p.id for p in sessions_running(server, database, copy) if p.running_a_statement}
        time.sleep(0.2)
    rerun = second.wait(second.started, RERUN_WITHIN_SECONDS, "it started")
    copies |= {p.id for p in sessions_running(server, database, copy) if p.running_a_statement}
    rows_of_x = rows_of(history(server, database), X)
    copied = count(server, database, "dst")

    found.expect(
        rerun.code == NeedsRepair.exit_code,
        f"the second upgrade exited {rerun.code}, not {NeedsRepair.exit_code}:{rerun.tail()}",
    )
    found.expect(
        copies == {running.id},
        f"{len(copies)} sessions ran the INSERT ... SELECT: the second runner ran {X} again",
    )
    found.expect(
        [row["outcome"] for row in rows_of_x] == ["unknown"],
        f"{X}'s history is {[describe(row) for row in rows_of_x]}, not one row 'unknown' (the "
        "runner could not confirm that the statement stopped, and nothing ran it again)",
    )
    found.expect(copied <= source.rows, f"dst has {copied} rows, the source {source.rows}")


@pytest.mark.parametrize(
    "cell",
    grid(
        "no-replay-after-uncancellable-sigterm",
        no_replay_after_uncancellable_sigterm,
        cost=30,
        bulk=True,
        not_on_postgresql=(
            "PostgreSQL ends a cancelled statement at once (an abort marks the transaction "
            "aborted, with no undo to apply), so no statement outlasts the cancel grace on a "
            "live server; frozen-server and sigterm-within-5s[frozen] cover the unconfirmed cancel"
        ),
    ),
)
def test_no_replay_after_uncancellable_sigterm(cell: Cell, matrix: Matrix) -> None:
    matrix.verify(cell)
