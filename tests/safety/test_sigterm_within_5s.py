"""sigterm-within-5s: SIGTERM during a statement ends the run within 5 s. On a live server the
statement is cancelled there (gone from PROCESSLIST, or no longer active in pg_stat_activity)
and its revision is `interrupted`; on a frozen server nothing can be confirmed, so the revision
stays `unknown`."""

from __future__ import annotations

import time

import pytest

from tests.safety.cells import Cell, CellContext, grid
from tests.safety.matrix import Matrix
from tests.safety.projects import Revision, after_base
from tests.safety.runs import describe, expect_prompt_exit, history, newest, upgrade_running
from tests.safety.servers import frozen
from tests.safety.views import sessions_running

pytestmark = pytest.mark.safety_matrix

X = "0002"
SLEEP_SECONDS = 20
FROZEN_BEFORE_SIGNAL_SECONDS = 1.0


def _long_statement(ctx: CellContext) -> tuple[str, Revision]:
    sleep = ctx.kit.sleep(SLEEP_SECONDS)
    return sleep, after_base(X, sleep, "CREATE TABLE after_sleep (id INT)")


def live(ctx: CellContext) -> None:
    server, found = ctx.shared, ctx.findings
    database = ctx.fresh_database(server)
    sleep, revision = _long_statement(ctx)
    url, project = ctx.url(server, database), ctx.project(revision)

    with upgrade_running(url, server, database, sleep, **project.settings) as (runner, _):
        ended = runner.terminate()
    left = [s for s in sessions_running(server, database, sleep) if s.running_a_statement]
    newest_x = newest(history(server, database), X)

    expect_prompt_exit(found, ended)
    found.expect(not left, f"{sleep} still runs on the server after the exit: {left}")
    found.expect(
        newest_x is not None and newest_x["outcome"] == "interrupted",
        f"{X}'s newest row is {describe(newest_x)}, not 'interrupted'",
    )


def frozen_server(ctx: CellContext) -> None:
    found = ctx.findings
    with ctx.own_server() as server:
        database = server.create_database()
        sleep, revision = _long_statement(ctx)
        url, project = ctx.url(server, database), ctx.project(revision)
        with (
            upgrade_running(url, server, database, sleep, **project.settings) as (runner, _),
            frozen(server),
        ):
            time.sleep(FROZEN_BEFORE_SIGNAL_SECONDS)
            ended = runner.terminate()
        newest_x = newest(history(server, database), X)

    expect_prompt_exit(found, ended)
    found.expect(
        newest_x is not None and newest_x["outcome"] == "unknown",
        f"{X}'s newest row is {describe(newest_x)}, not 'unknown' (nothing could be confirmed "
        "on a frozen server)",
    )


SIGTERM_WITHIN_5S = "sigterm-within-5s"


@pytest.mark.parametrize(
    "cell",
    grid(SIGTERM_WITHIN_5S, live, phase="live", cost=10)
    + grid(SIGTERM_WITHIN_5S, frozen_server, phase="frozen", cost=15),
)
def test_sigterm_within_5s(cell: Cell, matrix: Matrix) -> None:
    matrix.verify(cell)
