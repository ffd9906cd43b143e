"""lock-wait-timeout-in-force: inside a revision, the session's lock wait (MySQL's
lock_wait_timeout, PostgreSQL's lock_timeout) is MIGRATOR_LOCK_WAIT_TIMEOUT (the bound that
keeps an ALTER queued behind a long transaction from stalling every write to its table), and no
client read timeout cuts a statement that runs longer than DB_READ_TIMEOUT."""

from __future__ import annotations

import pytest

from migrator.exit_codes import OK
from tests.safety.cells import Cell, CellContext, grid
from tests.safety.matrix import Matrix
from tests.safety.projects import after_base
from tests.safety.runs import run
from tests.safety.views import has_table, select_from

pytestmark = pytest.mark.safety_matrix

LOCK_WAIT_TIMEOUT = 3
READ_TIMEOUT = 2  # the API's client read timeout; the statement below outlasts it


def lock_wait_timeout_in_force(ctx: CellContext) -> None:
    server, found, kit = ctx.shared, ctx.findings, ctx.kit
    database = ctx.fresh_database(server)
    reads_its_session = after_base(
        "0002", f"CREATE TABLE lwt AS SELECT {kit.lock_wait_in_force} AS v", kit.sleep(4)
    )
    url, project = ctx.url(server, database), ctx.project(reads_its_session)

    ended = run(
        url,
        "upgrade",
        migrator_lock_wait_timeout=LOCK_WAIT_TIMEOUT,
        db_read_timeout=READ_TIMEOUT,
        **project.settings,
    )
    in_force = (
        [str(v) for (v,) in select_from(server, database, "lwt", "v")]
        if has_table(server, database, "lwt")
        else None
    )
    expected = [kit.lock_wait_stored(LOCK_WAIT_TIMEOUT)]

    found.expect(ended.code == OK, f"the upgrade exited {ended.code}, not {OK}:{ended.tail()}")
    found.expect(
        in_force == expected,
        f"{kit.lock_wait_in_force} inside the revision was {in_force}, not {expected} "
        "(MIGRATOR_LOCK_WAIT_TIMEOUT)",
    )


@pytest.mark.parametrize(
    "cell", grid("lock-wait-timeout-in-force", lock_wait_timeout_in_force, cost=8)
)
def test_lock_wait_timeout_in_force(cell: Cell, matrix: Matrix) -> None:
    matrix.verify(cell)
