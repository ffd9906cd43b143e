"""An applied revision whose file changed since: `migrate check` exits 13, `upgrade` warns."""

from __future__ import annotations

from pathlib import Path

from harness.migrator_process import run_migrator
from migrator.errors import RevisionChanged
from migrator.exit_codes import OK
from tests.support.scripts import scripts_with


def test_a_changed_applied_revision_is_reported(migrated_mysql_url: str, tmp_path: Path) -> None:
    scripts = scripts_with(tmp_path)
    (revision_file,) = (scripts / "versions").glob("0001_*.py")
    revision_file.write_text(revision_file.read_text() + "\n# edited after it was applied\n")

    check = run_migrator(migrated_mysql_url, "check", alembic_script_location=scripts)
    upgrade = run_migrator(migrated_mysql_url, "upgrade", alembic_script_location=scripts)

    assert check.returncode == RevisionChanged.exit_code, check.stderr
    assert f"revision 0001's file ({revision_file.name}) changed since it was applied" in (
        check.stderr
    )
    assert upgrade.returncode == OK, upgrade.stderr
    assert "changed since it was applied" in upgrade.stderr


def test_line_endings_do_not_change_a_checksum(migrated_mysql_url: str, tmp_path: Path) -> None:
    scripts = scripts_with(tmp_path)
    (revision_file,) = (scripts / "versions").glob("0001_*.py")
    revision_file.write_bytes(revision_file.read_bytes().replace(b"\n", b"\r\n"))

    check = run_migrator(migrated_mysql_url, "check", alembic_script_location=scripts)

    assert check.returncode == OK, check.stderr
