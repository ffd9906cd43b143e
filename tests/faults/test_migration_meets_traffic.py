"""An additive revision applied while the API serves: no request fails, readiness holds."""

from __future__ import annotations

import threading
from pathlib import Path

from core.errors import ExitCode
from harness.api_process import StartApi
from harness.db import version_in
from harness.http import get_status, post_info
from harness.migrator_process import run_migrator
from tests.support.scripts import script_copy_with


def test_additive_revision_under_traffic(
    migrated_mysql_url: str, start_api: StartApi, tmp_path: Path
) -> None:
    api = start_api(migrated_mysql_url)  # this build knows revision 0001 only
    statuses: list[int] = []
    ready: list[int] = []
    stop = threading.Event()

    def traffic() -> None:
        while not stop.is_set():
            statuses.append(post_info(api.base, "during migration")[0])
            ready.append(get_status(api.base, "/readyz"))

    clients = [threading.Thread(target=traffic) for _ in range(3)]
    for client in clients:
        client.start()
    newer = script_copy_with(tmp_path, "0002_add_notes.py")
    migration = run_migrator(migrated_mysql_url, "upgrade", alembic_script_location=newer)
    after = len(statuses)
    while len(statuses) < after + 20:
        pass
    stop.set()
    for client in clients:
        client.join()

    assert migration.returncode == ExitCode.OK, migration.stderr
    assert version_in(migrated_mysql_url) == ["0002"]
    assert set(statuses) == {201}
    assert set(ready) == {200}
    assert get_status(api.base, "/readyz") == 200
