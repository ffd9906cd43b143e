"""The README's runbook, followed step by step: a revision fails halfway on MySQL, the operator
finishes it by hand, records that with `migrate repair --applied`, and the next upgrade carries
on. And `stamp` adopts a database created outside this project."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from harness.db import tables_in, version_in
from harness.migrator_process import run_migrator
from migrator.errors import ConfigurationError, MigrationFailed
from migrator.exit_codes import OK
from tests.support.scripts import scripts_with


def _sql(url: str, statement: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


def test_half_applied_revision_repair_upgrade(migrated_mysql_url: str, tmp_path: Path) -> None:
    scripts = scripts_with(tmp_path, "0002_breaks_halfway.py")

    # 1. The upgrade fails and names the revision and where the version table stays.
    failed = run_migrator(migrated_mysql_url, "upgrade", alembic_script_location=scripts)
    # 2. `migrate current` and `migrate plan --from 0001` show what was meant to run.
    current = run_migrator(migrated_mysql_url, "current", alembic_script_location=scripts)
    plan = run_migrator(
        migrated_mysql_url, "plan", "--from", "0001", alembic_script_location=scripts
    )
    # 3. The operator finishes the revision by hand: half_done exists, the rest did not run
    #    (here the intended statement, on the table it was meant for).
    _sql(migrated_mysql_url, "ALTER TABLE some_infos ADD COLUMN x INT NULL")
    # 4. Record it as applied (this stamps it), under the lock; 5. upgrade carries on.
    repaired = run_migrator(
        migrated_mysql_url, "repair", "0002", "--applied", alembic_script_location=scripts
    )
    upgraded = run_migrator(migrated_mysql_url, "upgrade", alembic_script_location=scripts)

    assert failed.returncode == MigrationFailed.exit_code
    assert "revision 0002 failed" in failed.stderr
    assert "the version table stays at 0001" in failed.stderr
    assert current.stdout.strip() == "0001 (behind)"
    assert "CREATE TABLE half_done" in plan.stdout
    assert "half_done" in tables_in(migrated_mysql_url)
    assert repaired.returncode == OK, repaired.stderr
    assert "repaired: 0002 marked applied (stamped) (current)" in repaired.stdout
    assert "migration lock" in repaired.stderr
    assert upgraded.returncode == OK, upgraded.stderr
    assert "already at head" in upgraded.stderr
    assert version_in(migrated_mysql_url) == ["0002"]


def test_stamp_adopts_a_database_created_outside(mysql_url: str) -> None:
    _sql(
        mysql_url,
        "CREATE TABLE some_infos (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
        "`desc` TEXT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    )

    stamped = run_migrator(mysql_url, "stamp", "0001")
    check = run_migrator(mysql_url, "check")

    assert stamped.returncode == OK, stamped.stderr
    assert "stamped: base -> 0001 (current)" in stamped.stdout
    assert check.returncode == OK, check.stderr
    assert version_in(mysql_url) == ["0001"]


def test_stamp_refuses_an_unknown_revision(migrated_mysql_url: str) -> None:
    result = run_migrator(migrated_mysql_url, "stamp", "9999")

    assert result.returncode == ConfigurationError.exit_code
    assert "unknown revision '9999'" in result.stderr
    assert version_in(migrated_mysql_url) == ["0001"]
