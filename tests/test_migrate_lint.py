"""`migrate lint` reads revisions without a database and reports what blocks writes on MySQL
8.4 or breaks the build still serving, until the revision declares it."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import ops

from core.errors import ExitCode
from harness.migrator_process import run_migrator
from migrator.lint_rules import BLOCKS_WRITES, BREAKS_OLD_BUILD, findings_for
from tests.support.scripts import script_copy_with


def test_the_projects_revisions_are_clean(sqlite_url: str) -> None:
    result = run_migrator(sqlite_url, "lint", "--all")

    assert result.returncode == ExitCode.OK, result.stdout + result.stderr
    assert "0001: clean" in result.stdout


def test_a_type_change_and_a_dropped_column_are_named(sqlite_url: str, tmp_path: Path) -> None:
    scripts = script_copy_with(tmp_path, "0002_unsafe_changes.py")

    result = run_migrator(sqlite_url, "lint", "--all", alembic_script_location=scripts)

    assert result.returncode == ExitCode.LINT_FINDINGS
    assert "0002: blocks-writes [type-change some_infos.desc] NOT DECLARED" in result.stdout
    assert "0002: breaks-old-build [narrowing-type some_infos.desc]" in result.stdout
    assert "0002: breaks-old-build [drop-column some_infos.legacy]" in result.stdout
    assert "ALTER TABLE some_infos MODIFY `desc` VARCHAR(255)" in result.stdout
    assert "0001" not in result.stdout.replace("0001: clean", "")
    assert "3 finding(s) not declared" in result.stderr


def test_lint_flags_the_contract_step_until_it_is_declared(sqlite_url: str, tmp_path: Path) -> None:
    scripts = script_copy_with(tmp_path, "0002_expand_summary.py", "0003_contract_summary.py")

    flagged = run_migrator(sqlite_url, "lint", "--from", "0001", alembic_script_location=scripts)
    contract = next((scripts / "versions").glob("0003_*.py"))
    with contract.open("a", encoding="utf-8") as revision:
        revision.write('lint_accept = {"not-null some_infos.summary": "1.5 writes summary"}\n')
    declared = run_migrator(sqlite_url, "lint", "--from", "0001", alembic_script_location=scripts)

    assert flagged.returncode == ExitCode.LINT_FINDINGS
    assert "0002: clean (2 operation(s))" in flagged.stdout  # the expand step passes as it is
    assert "0003: breaks-old-build [not-null some_infos.summary] NOT DECLARED" in flagged.stdout
    assert declared.returncode == ExitCode.OK, declared.stdout + declared.stderr
    assert "accepted: 1.5 writes summary" in declared.stdout


def test_without_flags_lint_reads_what_the_database_lacks(
    migrated_mysql_url: str, tmp_path: Path
) -> None:
    scripts = script_copy_with(tmp_path, "0002_unsafe_changes.py")

    result = run_migrator(migrated_mysql_url, "lint", alembic_script_location=scripts)

    assert result.returncode == ExitCode.LINT_FINDINGS
    assert "0002:" in result.stdout
    assert "0001" not in result.stdout


def test_an_unknown_from_revision_is_a_usage_error(sqlite_url: str) -> None:
    result = run_migrator(sqlite_url, "lint", "--from", "nope")

    assert result.returncode == ExitCode.CONFIG_ERROR
    assert "unknown revision 'nope'" in result.stderr


def _column(nullable: bool, **kw: object) -> sa.Column[object]:
    return sa.Column("c", sa.String(20), nullable=nullable, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        (ops.AddColumnOp("t", _column(True)), []),
        (ops.AddColumnOp("t", _column(False, server_default="x")), []),
        (ops.AddColumnOp("t", _column(False)), [(BREAKS_OLD_BUILD, "not-null-without-default")]),
        (ops.CreateIndexOp("ix", "t", ["c"]), []),
        (ops.CreateIndexOp("ix", "t", ["c"], mysql_prefix="FULLTEXT"),
         [(BLOCKS_WRITES, "fulltext-index")]),
        (ops.CreateTableOp("t", [_column(True)]), []),
        (ops.DropTableOp("t"), [(BREAKS_OLD_BUILD, "drop-table")]),
        (ops.RenameTableOp("t", "u"), [(BREAKS_OLD_BUILD, "rename-table")]),
        (ops.AlterColumnOp("t", "c", modify_name="d"), [(BREAKS_OLD_BUILD, "rename-column")]),
        (ops.AlterColumnOp("t", "c", modify_type=sa.String(40), existing_type=sa.String(20)),
         [(BLOCKS_WRITES, "type-change")]),
        (ops.AlterColumnOp("t", "c", modify_type=sa.Integer(), existing_type=sa.BigInteger()),
         [(BLOCKS_WRITES, "type-change"), (BREAKS_OLD_BUILD, "narrowing-type")]),
        (ops.AlterColumnOp("t", "c", modify_nullable=False), [(BREAKS_OLD_BUILD, "not-null")]),
        (ops.AlterColumnOp("t", "c", modify_nullable=True), []),
        (ops.CreatePrimaryKeyOp("pk", "t", ["c"]), [(BLOCKS_WRITES, "primary-key")]),
        (ops.CreateForeignKeyOp("fk", "t", "u", ["c"], ["id"]), [(BLOCKS_WRITES, "foreign-key")]),
        (ops.ExecuteSQLOp("ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4"),
         [(BLOCKS_WRITES, "raw-sql")]),
        (ops.ExecuteSQLOp("UPDATE t SET c = 1 WHERE id < 100"), []),
    ],
)  # fmt: skip
def test_rules(operation: ops.MigrateOperation, expected: list[tuple[str, str]]) -> None:
    assert [(f.kind, f.rule) for f in findings_for(operation)] == expected
