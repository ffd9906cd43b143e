"""A revision that fails halfway: exit 1, named, the version table on the last good one; after
the operator undoes it by hand and says so, the fixed revision runs."""

from __future__ import annotations

from pathlib import Path

from harness.db import tables_in, version_in
from harness.migrator_process import run_migrator
from migrator.errors import MigrationFailed
from migrator.exit_codes import OK
from tests.support.scripts import add_test_revision, scripts_with


def test_failed_revision_is_named_and_the_rerun_after_a_fix_succeeds(
    mysql_url: str, tmp_path: Path
) -> None:
    scripts = scripts_with(tmp_path, "0002_breaks_halfway.py")

    failed = run_migrator(mysql_url, "upgrade", alembic_script_location=scripts)

    assert failed.returncode == MigrationFailed.exit_code
    assert "revision 0002 failed" in failed.stderr
    assert "MySQL cannot roll DDL back" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert version_in(mysql_url) == ["0001"]
    assert "half_done" in tables_in(mysql_url)  # the DDL that ran before the error stays

    add_test_revision(scripts, "0002_breaks_halfway_fixed.py")
    run_migrator(mysql_url, "repair", "0002", "--rolled-back", alembic_script_location=scripts)
    rerun = run_migrator(mysql_url, "upgrade", alembic_script_location=scripts)

    assert rerun.returncode == OK, rerun.stderr
    assert version_in(mysql_url) == ["0002"]


def test_failed_revision_on_sqlite_is_rolled_back_whole(sqlite_url: str, tmp_path: Path) -> None:
    scripts = scripts_with(tmp_path, "0002_breaks_halfway.py")

    failed = run_migrator(sqlite_url, "upgrade", alembic_script_location=scripts)

    assert failed.returncode == MigrationFailed.exit_code
    assert "revision 0002 failed" in failed.stderr
    assert version_in(sqlite_url) == ["0001"]
