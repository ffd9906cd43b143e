"""`migrate lint` reads revisions without a database and reports what blocks writes on MySQL
8.4 or MariaDB 10.11, or breaks the build still serving, until the revision declares it.
tests/test_lint_oracle.py checks every rule's verdict on the real server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import ops
from alembic.script import ScriptDirectory

from harness.migrator_process import run_migrator
from migrator.engines.mysql.ddl_verbs import may_be_ddl
from migrator.engines.mysql.lint_rules import CATALOGUE as MYSQL_RULES
from migrator.engines.mysql.statements import is_ddl
from migrator.errors import ConfigurationError, LintFindings
from migrator.exit_codes import OK
from migrator.lint.report import render
from migrator.lint.revision import (
    BLOCKS_WRITES,
    BREAKS_OLD_BUILD,
    UNREADABLE,
    findings_for,
    lint_revision,
    revisions_to_lint,
)
from tests.support.scripts import REVISIONS, scripts_with, versions_folder, write_revision


def test_the_projects_revisions_are_clean(sqlite_url: str) -> None:
    result = run_migrator(sqlite_url, "lint", "--all")

    assert result.returncode == OK, result.stdout + result.stderr
    assert "0001: clean" in result.stdout


def test_a_type_change_and_a_dropped_column_are_named(sqlite_url: str, tmp_path: Path) -> None:
    scripts = scripts_with(tmp_path, "0002_unsafe_changes.py")

    result = run_migrator(sqlite_url, "lint", "--all", alembic_script_location=scripts)

    assert result.returncode == LintFindings.exit_code
    assert "0002: blocks-writes [narrowing-type some_infos.desc] NOT DECLARED" in result.stdout
    assert "0002: breaks-old-build [narrowing-type some_infos.desc]" in result.stdout
    assert "0002: breaks-old-build [drop-column some_infos.legacy]" in result.stdout
    assert "ALTER TABLE some_infos MODIFY `desc` VARCHAR(255)" in result.stdout
    assert "0001" not in result.stdout.replace("0001: clean", "")
    assert "3 finding(s) not declared" in result.stderr


def test_lint_flags_the_contract_step_until_it_is_declared(sqlite_url: str, tmp_path: Path) -> None:
    scripts = scripts_with(tmp_path, "0002_expand_summary.py", "0003_contract_summary.py")

    flagged = run_migrator(sqlite_url, "lint", "--from", "0001", alembic_script_location=scripts)
    contract = next((scripts / "versions").glob("0003_*.py"))
    with contract.open("a", encoding="utf-8") as revision:
        revision.write('lint_accept = {"not-null some_infos.summary": "1.5 writes summary"}\n')
    declared = run_migrator(sqlite_url, "lint", "--from", "0001", alembic_script_location=scripts)

    assert flagged.returncode == LintFindings.exit_code
    assert "0002: clean (2 operation(s))" in flagged.stdout  # the expand step passes as it is
    assert "0003: breaks-old-build [not-null some_infos.summary] NOT DECLARED" in flagged.stdout
    assert declared.returncode == OK, declared.stdout + declared.stderr
    assert "accepted: 1.5 writes summary" in declared.stdout


def test_without_flags_lint_reads_what_the_database_lacks(
    migrated_mysql_url: str, tmp_path: Path
) -> None:
    scripts = scripts_with(tmp_path, "0002_unsafe_changes.py")

    result = run_migrator(migrated_mysql_url, "lint", alembic_script_location=scripts)

    assert result.returncode == LintFindings.exit_code
    assert "0002:" in result.stdout
    assert "0001" not in result.stdout


def test_an_unknown_from_revision_is_a_usage_error(sqlite_url: str) -> None:
    result = run_migrator(sqlite_url, "lint", "--from", "nope")

    assert result.returncode == ConfigurationError.exit_code
    assert "unknown revision 'nope'" in result.stderr


def _column(nullable: bool, **kw: object) -> sa.Column[object]:
    return sa.Column("c", sa.String(20), nullable=nullable, **kw)  # type: ignore[arg-type]


# An ad-hoc table as data migrations write it: columns without a type.
_ROWS = sa.table("t", sa.column("id"), sa.column("c"))
_USERS = sa.table("user", sa.column("id"), sa.column("confirmed"))  # a reserved word: quoted


class _Unprintable:
    """An op.execute() argument whose SQL cannot be had as a string."""

    def __str__(self) -> str:
        raise NotImplementedError("no default-dialect compiler")


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
        (ops.AlterColumnOp("t", "c", modify_type=sa.String(60), existing_type=sa.String(50)), []),
        (ops.AlterColumnOp("t", "c", modify_type=sa.String(70), existing_type=sa.String(60)),
         [(BLOCKS_WRITES, "varchar-widen-prefix")]),  # 240 -> 280 bytes: a 2-byte prefix
        (ops.AlterColumnOp("t", "c", modify_type=sa.BigInteger(), existing_type=sa.Integer()),
         [(BLOCKS_WRITES, "type-change")]),
        (ops.AlterColumnOp("t", "c", modify_type=sa.Integer(), existing_type=sa.BigInteger()),
         [(BLOCKS_WRITES, "narrowing-type"), (BREAKS_OLD_BUILD, "narrowing-type")]),
        (ops.AlterColumnOp("t", "c", modify_server_default=None, existing_nullable=False),
         [(BREAKS_OLD_BUILD, "drop-default")]),
        (ops.AlterColumnOp("t", "c", modify_nullable=False), [(BREAKS_OLD_BUILD, "not-null")]),
        (ops.AlterColumnOp("t", "c", modify_nullable=True), []),
        (ops.CreateIndexOp("ix", "t", ["c"], unique=True), [(BREAKS_OLD_BUILD, "unique-index")]),
        (ops.CreateUniqueConstraintOp("uq", "t", ["c"]), [(BREAKS_OLD_BUILD, "unique-index")]),
        (ops.CreateCheckConstraintOp("ck", "t", "c > 0"),
         [(BLOCKS_WRITES, "check-constraint"), (BREAKS_OLD_BUILD, "check-constraint")]),
        (ops.AddColumnOp("t", sa.Column("g", sa.Integer(), sa.Computed("c + 1", persisted=True))),
         [(BLOCKS_WRITES, "stored-generated-column")]),
        (ops.AddColumnOp("t", sa.Column("g", sa.Integer(), sa.Computed("c + 1"))), []),
        (ops.CreatePrimaryKeyOp("pk", "t", ["c"]), [(BREAKS_OLD_BUILD, "add-primary-key")]),
        (ops.DropConstraintOp("pk", "t", type_="primary"), [(BLOCKS_WRITES, "drop-primary-key")]),
        (ops.CreateForeignKeyOp("fk", "t", "u", ["c"], ["id"]),
         [(BLOCKS_WRITES, "add-foreign-key")]),
        (ops.ExecuteSQLOp("ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4"),
         [(BLOCKS_WRITES, "convert-charset")]),
        (ops.ExecuteSQLOp("-- why\n/* more */ alter TABLE `t` drop `c`"),
         [(BREAKS_OLD_BUILD, "drop-column")]),
        (ops.ExecuteSQLOp("ALTER TABLE t ADD COLUMN `drop` INT NULL"), []),
        (ops.ExecuteSQLOp("SELECT 1; ALTER TABLE t ADD INDEX ix (c); DELETE FROM t"),
         [(BLOCKS_WRITES, "full-table-dml")]),
        (ops.ExecuteSQLOp(sa.text("update t set c = 1")), [(BLOCKS_WRITES, "full-table-dml")]),
        (ops.ExecuteSQLOp("UPDATE t SET c = 1 WHERE c IS NULL"),
         [(BLOCKS_WRITES, "full-table-dml")]),
        (ops.ExecuteSQLOp("UPDATE t SET c = 1 WHERE id > 0 AND id <= 1000 AND (c IS NULL)"), []),
        (ops.ExecuteSQLOp("UPDATE t SET c = 1 WHERE id < 100"), []),
        (ops.ExecuteSQLOp(_ROWS.update().values(c=False)), [(BLOCKS_WRITES, "full-table-dml")]),
        (ops.ExecuteSQLOp(_ROWS.update().where(_ROWS.c.c.is_(None)).values(c=False)),
         [(BLOCKS_WRITES, "full-table-dml")]),
        (ops.ExecuteSQLOp(_ROWS.update().where(_ROWS.c.id > 0, _ROWS.c.id <= 1000).values(c=1)),
         []),
        (ops.ExecuteSQLOp(_USERS.update().where(_USERS.c.id == 5).values(confirmed=False)), []),
        (ops.ExecuteSQLOp(_ROWS.delete()), [(BLOCKS_WRITES, "full-table-dml")]),
        (ops.ExecuteSQLOp(_ROWS.delete().where(_ROWS.c.id.in_([1, 2]))), []),
        (ops.ExecuteSQLOp(_ROWS.insert().values(c=1)), []),
        (ops.ExecuteSQLOp(_Unprintable()), [(UNREADABLE, "unreadable-revision")]),  # type: ignore[arg-type]
    ],
)  # fmt: skip
def test_rules(operation: ops.MigrateOperation, expected: list[tuple[str, str]]) -> None:
    assert [(f.kind, f.rule.name) for f in findings_for(operation, MYSQL_RULES)] == expected


def _findings(stdout: str) -> dict[tuple[str, str], int]:
    (revision,) = json.loads(stdout)["revisions"][-1:]
    return {(f["kind"], f["key"]): f["line"] for f in revision["findings"]}


def _line_of(name: str, text: str, folder: Path = REVISIONS) -> int:
    lines = (folder / name).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def test_what_once_passed_as_clean_is_found_on_its_line(sqlite_url: str, tmp_path: Path) -> None:
    name = "0002_unsafe_operations_as_people_write_them.py"
    scripts = scripts_with(tmp_path, name)

    result = run_migrator(
        sqlite_url, "lint", "--from", "0001", "--format", "json", alembic_script_location=scripts
    )

    assert result.returncode == LintFindings.exit_code, result.stderr
    assert _findings(result.stdout) == {
        (BREAKS_OLD_BUILD, "drop-column some_infos.legacy"): _line_of(name, "drop_column"),
        (BREAKS_OLD_BUILD, "unique-index some_infos"): _line_of(name, "create_index"),
        (BLOCKS_WRITES, "check-constraint some_infos"): _line_of(name, "check_constraint"),
        (BREAKS_OLD_BUILD, "check-constraint some_infos"): _line_of(name, "check_constraint"),
        (BLOCKS_WRITES, "stored-generated-column some_infos.desc_len"): _line_of(
            name, "op.add_column"
        ),
        (BREAKS_OLD_BUILD, "drop-default some_infos.kind"): _line_of(name, "op.alter_column"),
        (BLOCKS_WRITES, "full-table-dml some_infos"): _line_of(name, "UPDATE some_infos"),
        (BLOCKS_WRITES, "modify-column some_infos.notes"): _line_of(name, "MODIFY notes"),
    }


def test_a_nullable_column_and_a_varchar_widened_within_its_prefix_are_clean(
    sqlite_url: str, tmp_path: Path
) -> None:
    scripts = scripts_with(tmp_path, "0002_clean_changes.py")

    result = run_migrator(sqlite_url, "lint", "--from", "0001", alembic_script_location=scripts)

    assert result.returncode == OK, result.stdout + result.stderr
    assert "0002: clean (2 operation(s))" in result.stdout


def test_github_format_annotates_the_revision_line(sqlite_url: str, tmp_path: Path) -> None:
    scripts = scripts_with(tmp_path, "0002_unsafe_changes.py")
    revision = next((scripts / "versions").glob("0002_*.py"))

    result = run_migrator(
        sqlite_url, "lint", "--all", "--format", "github", alembic_script_location=scripts
    )

    assert result.returncode == LintFindings.exit_code
    annotations = result.stdout.splitlines()
    drop_line = _line_of("0002_unsafe_changes.py", "drop_column")
    assert len(annotations) == 3
    assert all(line.startswith(f"::error file={revision},line=") for line in annotations)
    assert any(
        line.startswith(
            f"::error file={revision},line={drop_line},title=migrate lint%3A "
            "breaks-old-build [drop-column some_infos.legacy]::"
        )
        for line in annotations
    ), annotations
    assert "Fix: drop or rename only in a release after" in result.stdout


@pytest.mark.parametrize(
    ("sql", "ddl"),
    [
        ("/* why */ ALTER TABLE t ADD COLUMN c INT", True),
        ("-- why\n  create index ix on t (c)", True),
        ("\tRENAME TABLE a TO b", True),
        ("TRUNCATE t", True),
        ("UPDATE t SET c = 'ALTER TABLE'", False),
        ("SELECT 1", False),
        ("SELECT 'create'", False),
    ],
)
def test_the_ddl_retry_knows_ddl_behind_a_comment(sql: str, ddl: bool) -> None:
    assert is_ddl(sql) is ddl
    # The parser-free test before it may let non-DDL through, never hold DDL back.
    assert may_be_ddl(sql) or not ddl


def test_a_run_with_nothing_to_migrate_loads_no_sql_parser(sqlite_url: str) -> None:
    """sqlglot costs about 0.1 s of every start (bench/README.md): only lint and DDL load it."""
    assert run_migrator(sqlite_url, "upgrade").returncode == OK
    noop = run_migrator(sqlite_url, "upgrade", pythonprofileimporttime=1)
    assert noop.returncode == OK, noop.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in noop.stderr.splitlines()]
    assert "migrator.cli.main" in imported  # Python's import report is there to read
    assert not [name for name in imported if name.startswith("sqlglot")]


def test_an_update_through_an_untyped_table_is_a_full_table_change(
    sqlite_url: str, tmp_path: Path
) -> None:
    scripts = scripts_with(tmp_path, "0002_lint_untyped_table_update.py")

    result = run_migrator(sqlite_url, "lint", "--all", alembic_script_location=scripts)

    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == LintFindings.exit_code
    assert "0002: blocks-writes [full-table-dml some_infos] NOT DECLARED" in result.stdout
    assert "    (not rendered: CompileError: No literal value renderer" in result.stdout
    at = _line_of("0002_lint_untyped_table_update.py", "op.execute")
    assert f"0002_lint_untyped_table_update.py:{at}" in result.stdout


def test_a_revision_whose_upgrade_raises_is_a_finding_with_what_it_did_before(
    sqlite_url: str, tmp_path: Path
) -> None:
    name = "0002_lint_upgrade_raises.py"
    scripts = scripts_with(tmp_path, name)

    result = run_migrator(
        sqlite_url, "lint", "--all", "--format", "json", alembic_script_location=scripts
    )

    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == LintFindings.exit_code
    (unread,) = [f for f in json.loads(result.stdout)["revisions"][-1]["findings"]
                 if f["kind"] == UNREADABLE]  # fmt: skip
    assert unread["key"] == "unreadable-revision upgrade()"
    assert unread["line"] == _line_of(name, "fetchall()")
    assert unread["sql"].startswith("(not read past this line: AttributeError: ")
    assert _findings(result.stdout)[(BREAKS_OLD_BUILD, "drop-column some_infos.legacy")] == (
        _line_of(name, "drop_column")
    )


def test_every_operation_before_a_failure_is_kept(tmp_path: Path) -> None:
    versions = versions_folder(tmp_path)
    write_revision(versions, "a", None, """
        rows = sa.table("t", sa.column("c"))
        op.drop_column("t", "legacy")
        op.execute(rows.update().values(c=False))
        op.execute(12)
        op.execute(rows.insert().values(c=True))
        raise TypeError("a bug of the revision's own")
    """)  # fmt: skip
    (script,) = revisions_to_lint(ScriptDirectory(str(versions.parent)), (), lint_all=True)

    report = lint_revision(script, MYSQL_RULES)

    assert [o.rendered for o in report.operations] == [True, False, False, False]
    assert report.operations[2].sql == (
        "(not rendered: AttributeError: 'int' object has no attribute 'compile')"
    )
    assert [(f.kind, f.key, f.line) for f in report.findings] == [
        (BREAKS_OLD_BUILD, "drop-column t.legacy", _line_of("a.py", "drop_column", versions)),
        (BLOCKS_WRITES, "full-table-dml t", _line_of("a.py", "update()", versions)),
        (UNREADABLE, "unreadable-revision upgrade()", _line_of("a.py", "raise", versions)),
    ]
    assert report.findings[-1].sql == (
        "(not read past this line: TypeError: a bug of the revision's own)"
    )


def test_a_clean_revision_says_what_it_could_not_render(tmp_path: Path) -> None:
    versions = versions_folder(tmp_path)
    write_revision(
        versions, "a", None, 'op.execute(sa.table("t", sa.column("c")).insert().values(c=1))'
    )
    (script,) = revisions_to_lint(ScriptDirectory(str(versions.parent)), (), lint_all=True)

    text = render([lint_revision(script, MYSQL_RULES)], "text")

    assert text == "a: clean (1 operation(s), 1 not rendered, read as operations)"


def test_lint_reads_the_branch_a_merge_brings_in(tmp_path: Path) -> None:
    versions = versions_folder(tmp_path)
    write_revision(versions, "a", None)
    write_revision(versions, "b1", "a")
    write_revision(versions, "c1", "a")
    write_revision(versions, "m", ("b1", "c1"))
    scripts = ScriptDirectory(str(versions.parent))

    def pending(*heads: str, lint_all: bool = False) -> list[str]:
        return [s.revision for s in revisions_to_lint(scripts, heads, lint_all)]

    assert pending("b1") == ["c1", "m"]
    assert pending("b1", "c1") == ["m"]
    assert pending("m") == []
    assert pending()[0] == "a"
    assert pending("m", lint_all=True)[::3] == ["a", "m"]
