"""The expand step of an expand/contract change lands under traffic: a nullable column added
and backfilled in bounded batches while the build that knows nothing of it keeps serving."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import create_engine, text

from core.errors import ExitCode
from harness.api_process import StartApi
from harness.db import version_in
from harness.http import get_status, post_info
from harness.migrator_process import run_migrator
from tests.support.scripts import script_copy_with

EXISTING_ROWS = 2000


def _seed(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO some_infos (`desc`) VALUES (:desc)"),
            [{"desc": f"row {n} " + "x" * 80} for n in range(EXISTING_ROWS)],
        )
    engine.dispose()


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
    _seed(migrated_mysql_url)
    api = start_api(migrated_mysql_url)  # this build knows revision 0001 only
    statuses: list[int] = []
    ready: list[int] = []
    stop = threading.Event()

    def traffic() -> None:
        while not stop.is_set():
            statuses.append(post_info(api.base, "during migration")[0])
            ready.append(get_status(api.base, "/readyz"))

    clients = [threading.Thread(target=traffic) for _ in range(4)]
    for client in clients:
        client.start()
    newer = script_copy_with(tmp_path, "0002_expand_summary.py")
    migration = run_migrator(migrated_mysql_url, "upgrade", alembic_script_location=newer)
    after = len(statuses)
    while len(statuses) < after + 20:
        pass
    stop.set()
    for client in clients:
        client.join()

    assert migration.returncode == ExitCode.OK, migration.stderr
    assert version_in(migrated_mysql_url) == ["0002"]
    assert _unfilled(migrated_mysql_url) == 0
    assert set(statuses) == {201}
    assert set(ready) == {200}
    assert get_status(api.base, "/readyz") == 200
