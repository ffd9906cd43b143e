"""The expand step of an expand/contract change lands under traffic: a nullable column added
and backfilled in bounded batches while the build that knows nothing of it keeps serving."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import create_engine, text

from harness.api_process import StartApi
from harness.db import seed_rows, version_in
from harness.http import Load, WriteLoad, get_json, get_status
from harness.migrator_process import run_migrator
from migrator.exit_codes import OK
from tests.support.scripts import scripts_with

EXISTING_ROWS = 2000
CLIENTS = 4
AFTER_SECONDS = 30  # bounds the wait for 20 writes after the migration


def _unfilled(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT COUNT(*) FROM some_infos WHERE summary IS NULL AND id <= :last"),
            {"last": EXISTING_ROWS},
        ).scalar_one()
    engine.dispose()
    return int(count)


def test_expand_revision_under_traffic(
    migrated_mysql_url: str, start_api: StartApi, tmp_path: Path
) -> None:
    seed_rows(migrated_mysql_url, EXISTING_ROWS)
    api = start_api(migrated_mysql_url)  # this build knows revision 0001 only
    with (
        WriteLoad(api.base, "during migration", CLIENTS) as writes,
        Load(lambda: get_json(api.base, "/readyz"), CLIENTS) as readiness,
    ):
        newer = scripts_with(tmp_path, "0002_expand_summary.py")
        migration = run_migrator(migrated_mysql_url, "upgrade", alembic_script_location=newer)
        after = len(writes.outcomes)
        deadline = time.monotonic() + AFTER_SECONDS
        while len(writes.outcomes) < after + 20 and time.monotonic() < deadline:
            time.sleep(0.05)
    statuses = [o.status for o in writes.outcomes]
    ready = [o.status for o in readiness.outcomes]

    assert migration.returncode == OK, migration.stderr
    assert version_in(migrated_mysql_url) == ["0002"]
    assert _unfilled(migrated_mysql_url) == 0
    assert len(statuses) >= after + 20, "fewer than 20 writes after the migration"
    assert set(statuses) == {201}
    assert set(ready) == {200}
    assert get_status(api.base, "/readyz") == 200
