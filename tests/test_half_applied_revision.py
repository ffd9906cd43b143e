"""A revision that failed after some of its statements committed is never replayed: every later
upgrade refuses (exit 10) until `migrate repair` says how it ended. One that failed before any
statement completed is simply rerun."""

from __future__ import annotations

import json
from pathlib import Path

from harness.db import count_rows, tables_in, version_in
from harness.migrator_process import run_migrator
from migrator.errors import ConfigurationError, MigrationFailed, NeedsRepair
from migrator.exit_codes import OK
from tests.support.scripts import add_test_revision, scripts_with


def test_a_half_applied_revision_is_refused_until_repaired(
    migrated_mysql_url: str, tmp_path: Path
) -> None:
    url = migrated_mysql_url
    scripts = scripts_with(tmp_path, "0002_inserts_then_fails.py")

    first = run_migrator(url, "upgrade", alembic_script_location=scripts, migrator_build_id="b1")
    second = run_migrator(url, "upgrade", alembic_script_location=scripts)
    rows_after_second = count_rows(url)
    history = run_migrator(url, "history", "--json", alembic_script_location=scripts)
    text_history = run_migrator(url, "history", alembic_script_location=scripts)
    repaired = run_migrator(url, "repair", "0002", "--applied", alembic_script_location=scripts)
    third = run_migrator(url, "upgrade", alembic_script_location=scripts)

    assert first.returncode == MigrationFailed.exit_code, first.stderr
    assert "1 of its statement(s) committed" in first.stderr
    assert second.returncode == NeedsRepair.exit_code, second.stderr
    assert "revision 0002 is failed since" in second.stderr
    assert "build b1" in second.stderr
    assert "Duplicate column" in second.stderr
    assert "migrate repair 0002 --applied" in second.stderr
    assert rows_after_second == 1  # inserted once, not replayed
    events = json.loads(history.stdout)
    assert [(e["revision"], e["outcome"]) for e in events] == [
        ("0002", "failed"),
        ("0001", "applied"),
    ]
    assert events[0]["statements"] == 1
    assert events[0]["build_id"] == "b1"
    assert events[0]["down_revisions"] == ["0001"]
    assert len(events[0]["checksum"]) == 64
    assert "Duplicate column" in text_history.stdout
    assert repaired.returncode == OK, repaired.stderr
    assert "repaired: 0002 marked applied (stamped) (current)" in repaired.stdout
    assert third.returncode == OK, third.stderr
    assert "already at head" in third.stderr
    assert version_in(url) == ["0002"]
    assert count_rows(url) == 1


def test_rolled_back_by_hand_runs_again(migrated_mysql_url: str, tmp_path: Path) -> None:
    url = migrated_mysql_url
    scripts = scripts_with(tmp_path, "0002_breaks_halfway.py")
    run_migrator(url, "upgrade", alembic_script_location=scripts)
    add_test_revision(scripts, "0002_breaks_halfway_fixed.py")  # the fix, while half_done stays

    refused = run_migrator(url, "upgrade", alembic_script_location=scripts)
    repaired = run_migrator(url, "repair", "0002", "--rolled-back", alembic_script_location=scripts)
    upgraded = run_migrator(url, "upgrade", alembic_script_location=scripts)

    assert refused.returncode == NeedsRepair.exit_code, refused.stderr
    assert repaired.returncode == OK, repaired.stderr
    assert upgraded.returncode == OK, upgraded.stderr
    assert version_in(url) == ["0002"]
    assert "half_done" in tables_in(url)


def test_a_revision_that_failed_at_its_first_statement_is_rerun(
    migrated_mysql_url: str, tmp_path: Path
) -> None:
    url = migrated_mysql_url
    scripts = scripts_with(tmp_path, "0002_fails_first.py")

    first = run_migrator(url, "upgrade", alembic_script_location=scripts)
    second = run_migrator(url, "upgrade", alembic_script_location=scripts)

    assert first.returncode == MigrationFailed.exit_code, first.stderr
    assert "none of its statements had completed" in first.stderr
    assert second.returncode == MigrationFailed.exit_code, second.stderr


def test_repair_of_a_revision_that_needs_none_is_a_usage_error(migrated_mysql_url: str) -> None:
    result = run_migrator(migrated_mysql_url, "repair", "0001", "--applied")

    assert result.returncode == ConfigurationError.exit_code, result.stderr
    assert "nothing to repair for 0001: its last record is applied" in result.stderr
