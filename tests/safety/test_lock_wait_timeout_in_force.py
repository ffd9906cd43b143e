"""lock-wait-timeout-in-force: inside a revision, the session's lock_wait_timeout is
MIGRATOR_LOCK_WAIT_TIMEOUT (the bound that keeps an ALTER queued behind a long transaction
from stalling every write to its table), and no client read timeout cuts a statement that runs
longer than DB_READ_TIMEOUT."""

from __future__ import annotations

import pytest

from migrator.exit_codes import OK
from tests.safety.cells import Cell, CellContext, grid
from tests.safety.matrix import Matrix
from tests.safety.projects import after_base
from tests.safety.runs import run
from tests.safety.views import has_table, rows

pytestmark = pytest.mark.safety_matrix

LOCK_WAIT_TIMEOUT = 3
READ_TIMEOUT = 2  # the API's client read timeout; the statement below outlasts it
READS_ITS_SESSION = after_base(
    "0002", "CREATE TABLE lwt AS SELECT @@session.lock_wait_timeout AS v", "DO SLEEP(4)"
)


def lock_wait_timeout_in_force(ctx: CellContext) -> None:
    server, found = ctx.shared, ctx.findings
    database = ctx.fresh_database(server)
    url, project = ctx.url(server, database), ctx.project(READS_ITS_SESSION)

    ended = run(
        url,
        "upgrade",
        migrator_lock_wait_timeout=LOCK_WAIT_TIMEOUT,
        db_read_timeout=READ_TIMEOUT,
        **project.settings,
    )
    in_force = (
        [int(v) for (v,) in rows(server, f"SELECT v FROM `{database}`.lwt")]
        if has_table(server, database, "lwt")
        else None
    )

    found.expect(ended.code == OK, f"the upgrade exited {ended.code}, not {OK}:{ended.tail()}")
    found.expect(
        in_force == [LOCK_WAIT_TIMEOUT],
        f"@@session.lock_wait_timeout inside the revision was {in_force}, not "
        f"[{LOCK_WAIT_TIMEOUT}] (MIGRATOR_LOCK_WAIT_TIMEOUT)",
    )


@pytest.mark.parametrize(
    "cell", grid("lock-wait-timeout-in-force", lock_wait_timeout_in_force, cost=8)
)
def test_lock_wait_timeout_in_force(cell: Cell, matrix: Matrix) -> None:
    matrix.verify(cell)
