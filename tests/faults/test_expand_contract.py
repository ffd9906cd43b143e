"""Expand, then contract, under the old build's writes, loses nothing: the build that knows
nothing of `summary` keeps inserting rows (summary NULL) while the expand revision backfills and
until the contract release; the contract revision backfills again, then sets NOT NULL."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import create_engine, text

from harness.api_process import StartApi
from harness.db import seed_rows, version_in
from harness.http import WriteLoad
from harness.migrator_process import run_migrator
from migrator.exit_codes import OK
from tests.support.scripts import add_test_revision, scripts_with

EXISTING_ROWS = 2000
WRITES_BETWEEN_RELEASES = 200


def _scalar(url: str, sql: str) -> object:
    engine = create_engine(url)
    with engine.connect() as connection:
        value = connection.execute(text(sql)).scalar_one()
    engine.dispose()
    return value


def _nulls(url: str) -> int:
    return int(str(_scalar(url, "SELECT COUNT(*) FROM some_infos WHERE summary IS NULL")))


def test_expand_then_contract_under_the_old_builds_writes(
    migrated_mysql_url: str, start_api: StartApi, tmp_path: Path
) -> None:
    url = migrated_mysql_url
    seed_rows(url, EXISTING_ROWS)
    api = start_api(url)  # the old build: it knows revision 0001 only
    scripts = scripts_with(tmp_path, "0002_expand_summary.py")

    with WriteLoad(api.base, "old build", clients=4) as load:
        expand = run_migrator(url, "upgrade", alembic_script_location=scripts)
        written_at_expand = len(load.outcomes)
        deadline = time.monotonic() + 60
        while len(load.outcomes) < written_at_expand + WRITES_BETWEEN_RELEASES:
            assert time.monotonic() < deadline, "the old build stopped writing"
            time.sleep(0.05)
        left_by_the_old_build = _nulls(url)
        outcomes = load.stop()  # the old build is gone: the contract release may land
    add_test_revision(scripts, "0003_contract_summary.py")
    contract = run_migrator(url, "upgrade", alembic_script_location=scripts)

    assert expand.returncode == OK, expand.stderr
    assert contract.returncode == OK, contract.stderr
    assert version_in(url) == ["0003"]
    assert written_at_expand > 0
    assert left_by_the_old_build > 0
    assert {outcome.status for outcome in outcomes} == {201}
    assert _nulls(url) == 0
    assert (
        _scalar(
            url,
            "SELECT IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
            "AND TABLE_NAME = 'some_infos' AND COLUMN_NAME = 'summary'",
        )
        == "NO"
    )
    assert int(str(_scalar(url, "SELECT COUNT(*) FROM some_infos"))) == EXISTING_ROWS + len(
        outcomes
    )
