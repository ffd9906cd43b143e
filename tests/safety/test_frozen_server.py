"""frozen-server: a server that stops answering (SIGSTOP: its TCP stack still accepts) ends the
run with exit 12 within MIGRATOR_SERVER_SILENCE_TIMEOUT plus a margin, whatever the run was
doing: waiting for the migration lock before any revision (`before`: nothing started, so no
`unknown` row and a rerun simply upgrades), in a statement (`during`), or between two statements
of a revision (`after`); the revision it was in stays `unknown` and a rerun exits 10.

Each cell freezes a server of its own: a frozen server stops every cell on it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from harness.postgres_server import PostgresServer
from migrator.engines.mysql.run_lock import lock_name
from migrator.engines.postgresql.connect import APPLICATION_NAME
from migrator.engines.postgresql.run_lock import lock_key
from migrator.errors import NeedsRepair, ServerSilent
from migrator.exit_codes import OK
from tests.safety.cells import Cell, CellContext, grid
from tests.safety.checks import Findings, poll_until, require
from tests.safety.matrix import Matrix
from tests.safety.projects import Pause, after_base
from tests.safety.runs import (
    Ended,
    HistoryRow,
    Runner,
    describe,
    history,
    newest,
    run,
    upgrade_running,
)
from tests.safety.servers import frozen
from tests.safety.views import Server, has_table, rows, sessions_with

pytestmark = pytest.mark.safety_matrix

X = "0002"
SILENCE_TIMEOUT = 5
# What the runner may take beyond the silence timeout: its watch pings every timeout/4, a ping
# that gets no answer waits out its own 3 s read timeout, and the process then records, releases
# and exits, on two cores shared with five other cells' runners and servers.
MARGIN_SECONDS = 10.0
PAUSE_SECONDS = 6.0
SLEEP_SECONDS = 20


def _expect_silent(found: Findings, ended: Ended, bound: float) -> None:
    found.note(f"exit {ended.code} {ended.after:.1f} s after the freeze")
    found.expect(
        ended.code == ServerSilent.exit_code and ended.after <= bound,
        f"the runner exited {ended.code} {ended.after:.1f} s after the freeze, not "
        f"{ServerSilent.exit_code} within {bound:g} s:{ended.tail()}",
    )


def before(ctx: CellContext) -> None:
    found = ctx.findings
    with ctx.own_server() as server:
        database = server.create_database()
        url, project = ctx.url(server, database), ctx.project(after_base(X, "SELECT 1"))
        settings = {**project.settings, "migrator_server_silence_timeout": SILENCE_TIMEOUT}
        with _holding_the_lock(server, database) as waiting:
            runner = Runner(url, "upgrade", **settings)
            try:
                poll_until(
                    waiting,
                    60,
                    "the runner never waited for the migration lock",
                    still_worth_waiting=runner.ended_early,
                )
                with frozen(server) as frozen_at:
                    ended = runner.wait(frozen_at, SILENCE_TIMEOUT + MARGIN_SECONDS, "the freeze")
            finally:
                runner.kill()
        unknown = [row for row in history(server, database) if row["outcome"] == "unknown"]
        rerun = run(url, "upgrade", **settings)

    _expect_silent(found, ended, SILENCE_TIMEOUT + MARGIN_SECONDS)
    found.expect(
        not unknown,
        f"history has `unknown` rows ({[row['revision'] for row in unknown]}) though the "
        "server froze before any revision started",
    )
    found.expect(rerun.code == OK, f"the rerun exited {rerun.code}, not {OK}:{rerun.tail()}")


@contextmanager
def _holding_the_lock(server: Server, database: str) -> Iterator[Callable[[], object | None]]:
    """The migration lock held by a session of the test's, so that a runner waits for it; and a
    look that finds the runner waiting (None until then)."""
    if isinstance(server, PostgresServer):
        with server.admin_connection(database) as holder:
            row = holder.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(),)).fetchone()
            require(row is not None and bool(row[0]), f"the test could not take the lock: {row}")
            yield lambda: _runner_polling(server, database)
        return
    connection = server.admin_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT CONNECTION_ID(), GET_LOCK(%s, 0)", (lock_name(database),))
            holder_id, got = cursor.fetchone()
        require(got == 1, f"the test could not take the migration lock: {got}")
        yield lambda: next(
            (s for s in sessions_with(server, "%GET_LOCK(%") if s.id != holder_id), None
        )
    finally:
        connection.close()


def _runner_polling(server: PostgresServer, database: str) -> object | None:
    """The runner's session in `database` once it has polled pg_try_advisory_lock for a while:
    it commits after each try, so pg_stat_activity mostly shows COMMIT as its statement."""
    found = rows(
        server,
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name = %s "
        "AND now() - backend_start > interval '2 seconds'",
        (database, APPLICATION_NAME),
    )
    return found[0][0] if found else None


def during(ctx: CellContext) -> None:
    found = ctx.findings
    sleep = ctx.kit.sleep(SLEEP_SECONDS)
    with ctx.own_server() as server:
        database = server.create_database()
        url, project = ctx.url(server, database), ctx.project(after_base(X, sleep))
        settings = {**project.settings, "migrator_server_silence_timeout": SILENCE_TIMEOUT}
        with (
            upgrade_running(url, server, database, sleep, **settings) as (runner, _),
            frozen(server) as frozen_at,
        ):
            ended = runner.wait(frozen_at, SILENCE_TIMEOUT + MARGIN_SECONDS, "the freeze")
        newest_x = newest(history(server, database), X)
        rerun = run(url, "upgrade", **settings)

    _expect_silent(found, ended, SILENCE_TIMEOUT + MARGIN_SECONDS)
    _expect_unknown_then_refused(found, newest_x, rerun)


def after(ctx: CellContext) -> None:
    found = ctx.findings
    revision = after_base(
        X,
        ctx.kit.committed("CREATE TABLE after_marker (id INT)"),  # seen from outside at once
        Pause(PAUSE_SECONDS),
        "CREATE TABLE after_second (id INT)",
    )
    with ctx.own_server() as server:
        database = server.create_database()
        url, project = ctx.url(server, database), ctx.project(revision)
        settings = {**project.settings, "migrator_server_silence_timeout": SILENCE_TIMEOUT}
        runner = Runner(url, "upgrade", **settings)
        try:
            poll_until(
                lambda: True if has_table(server, database, "after_marker") else None,
                60,
                "the revision's first statement never completed",
                still_worth_waiting=runner.ended_early,
            )
            marked = time.monotonic()  # the pause began before this: what is left is less
            with frozen(server) as frozen_at:
                bound = max(0.0, PAUSE_SECONDS - (frozen_at - marked))
                bound += SILENCE_TIMEOUT + MARGIN_SECONDS
                ended = runner.wait(frozen_at, bound, "the freeze")
        finally:
            runner.kill()
        newest_x = newest(history(server, database), X)
        rerun = run(url, "upgrade", **settings)

    _expect_silent(found, ended, bound)
    _expect_unknown_then_refused(found, newest_x, rerun)


def _expect_unknown_then_refused(found: Findings, row: HistoryRow | None, rerun: Ended) -> None:
    found.expect(
        row is not None and row["outcome"] == "unknown",
        f"{X}'s newest row is {describe(row)}, not 'unknown' (it may still complete)",
    )
    found.expect(
        rerun.code == NeedsRepair.exit_code,
        f"the rerun after the thaw exited {rerun.code}, not {NeedsRepair.exit_code}:{rerun.tail()}",
    )


FROZEN_SERVER = "frozen-server"


@pytest.mark.parametrize(
    "cell",
    grid(FROZEN_SERVER, before, phase="before", cost=25)
    + grid(FROZEN_SERVER, during, phase="during", cost=25)
    + grid(FROZEN_SERVER, after, phase="after", cost=30),
)
def test_frozen_server(cell: Cell, matrix: Matrix) -> None:
    matrix.verify(cell)
