"""`migrate lint` on PostgreSQL revisions: each operation read for PostgreSQL, whether it ran in an
autocommit block (which reading SQL text cannot tell: squawk flags a CREATE INDEX CONCURRENTLY
there as inside a transaction), raw SQL read with sqlglot's postgres dialect, and the fix named.
The verdicts themselves are held to the server by test_lint_oracle.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from harness.migrator_process import run_migrator
from harness.mysql_server import APP_PASSWORD, APP_USER, free_port
from harness.postgres_server import PostgresServer
from migrator.engines.postgresql.lint_rules import CATALOGUE
from migrator.errors import LintFindings
from migrator.exit_codes import OK
from migrator.lint.revision import (
    BLOCKS_WRITES,
    BREAKS_OLD_BUILD,
    FAILS_ON_SERVER,
    lint_revision,
    revisions_to_lint,
)
from tests.support.scripts import versions_folder, write_revision

AUTOCOMMIT = "with op.get_context().autocommit_block():\n    "


def _findings(tmp_path: Path, upgrade: str) -> list[tuple[str, str]]:
    versions = versions_folder(tmp_path)
    write_revision(versions, "a", None, upgrade)
    (script,) = revisions_to_lint(ScriptDirectory(str(versions.parent)), (), lint_all=True)
    return [(f.kind, f.key) for f in lint_revision(script, CATALOGUE).findings]


CASES = [
    # Indexes: CONCURRENTLY, and where it runs
    ('op.create_index("ix", "t", ["n"])', [(BLOCKS_WRITES, "add-index t")]),
    (AUTOCOMMIT + 'op.create_index("ix", "t", ["n"], postgresql_concurrently=True)', []),
    (
        'op.create_index("ix", "t", ["n"], postgresql_concurrently=True)',
        [(FAILS_ON_SERVER, "concurrently-in-transaction t")],
    ),
    (AUTOCOMMIT + 'op.execute("CREATE INDEX CONCURRENTLY ix ON t (n)")', []),
    (
        'op.execute("CREATE INDEX CONCURRENTLY ix ON t (n)")',
        [(FAILS_ON_SERVER, "concurrently-in-transaction t")],
    ),
    ('op.drop_index("ix", table_name="t")', [(BLOCKS_WRITES, "drop-index t")]),
    (
        AUTOCOMMIT + 'op.drop_index("ix", table_name="t", postgresql_concurrently=True)',
        [],
    ),
    ('op.execute("REINDEX INDEX ix")', [(BLOCKS_WRITES, "reindex ix")]),
    (AUTOCOMMIT + 'op.execute("REINDEX INDEX CONCURRENTLY ix")', []),
    # Columns: rewrites, scans, and what breaks the build still serving
    ('op.add_column("t", sa.Column("a", sa.Integer))', []),
    ('op.add_column("t", sa.Column("a", sa.Integer, server_default="0"))', []),
    (
        'op.add_column("t", sa.Column("a", sa.Uuid, server_default=sa.text("gen_random_uuid()")))',
        [(BLOCKS_WRITES, "add-column-volatile-default t.a")],
    ),
    (
        'op.execute("ALTER TABLE t ADD COLUMN a uuid DEFAULT gen_random_uuid()")',
        [(BLOCKS_WRITES, "add-column-volatile-default t.a")],
    ),
    (
        'op.add_column("t", sa.Column("a", sa.Integer, nullable=False))',
        [(BREAKS_OLD_BUILD, "not-null-without-default t.a")],
    ),
    (
        'op.alter_column("t", "v", type_=sa.String(255), existing_type=sa.String(100))',
        [],
    ),
    ('op.alter_column("t", "v", type_=sa.Text(), existing_type=sa.String(100))', []),
    (
        'op.alter_column("t", "n", type_=sa.BigInteger(), existing_type=sa.Integer())',
        [(BLOCKS_WRITES, "type-change t.n")],
    ),
    (
        'op.alter_column("t", "v", type_=sa.String(50), existing_type=sa.String(100))',
        [(BLOCKS_WRITES, "narrowing-type t.v"), (BREAKS_OLD_BUILD, "narrowing-type t.v")],
    ),
    (
        'op.alter_column("t", "n", nullable=False, existing_type=sa.Integer())',
        [(BLOCKS_WRITES, "not-null t.n"), (BREAKS_OLD_BUILD, "not-null t.n")],
    ),
    ('op.drop_column("t", "v")', [(BREAKS_OLD_BUILD, "drop-column t.v")]),
    (
        'op.alter_column("t", "v", new_column_name="w")',
        [(BREAKS_OLD_BUILD, "rename-column t.v->w")],
    ),
    (
        'with op.batch_alter_table("t") as batch:\n'
        '    batch.add_column(sa.Column("a", sa.Integer, nullable=False))',
        [(BREAKS_OLD_BUILD, "not-null-without-default t.a")],
    ),
    # Constraints: NOT VALID, then VALIDATE
    (
        'op.create_foreign_key("fk", "t", "p", ["pid"], ["id"])',
        [(BLOCKS_WRITES, "add-foreign-key t")],
    ),
    ('op.create_foreign_key("fk", "t", "p", ["pid"], ["id"], postgresql_not_valid=True)', []),
    ('op.execute("ALTER TABLE t VALIDATE CONSTRAINT fk")', []),
    (
        'op.create_check_constraint("ck", "t", "n > 0")',
        [(BLOCKS_WRITES, "check-constraint t"), (BREAKS_OLD_BUILD, "check-constraint t")],
    ),
    (
        'op.create_unique_constraint("uq", "t", ["n"])',
        [(BLOCKS_WRITES, "unique-constraint t"), (BREAKS_OLD_BUILD, "unique-constraint t")],
    ),
    ('op.execute("ALTER TABLE t ADD CONSTRAINT uq UNIQUE USING INDEX ux")', []),
    # Data, and DDL lint cannot name
    ('op.execute("UPDATE t SET n = 0")', [(BLOCKS_WRITES, "full-table-dml t")]),
    ('op.execute("UPDATE t SET n = 0 WHERE id BETWEEN 1 AND 1000")', []),
    (AUTOCOMMIT + 'op.execute("UPDATE t SET n = 0")', []),
    ('op.execute("VACUUM FULL t")', [(BLOCKS_WRITES, "rewrite-table t")]),
    ("op.execute(\"ALTER TYPE status ADD VALUE 'refunded'\")", []),
    (
        'op.execute("ALTER TABLE t SET UNLOGGED")',
        [(BLOCKS_WRITES, "unrecognised-ddl t: SET UNLOGGED")],
    ),
]


@pytest.mark.parametrize(("upgrade", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_each_operation_is_judged_for_postgresql(
    tmp_path: Path, upgrade: str, expected: list[tuple[str, str]]
) -> None:
    assert _findings(tmp_path, upgrade) == expected


def test_nothing_on_a_table_the_revision_creates_is_a_finding(tmp_path: Path) -> None:
    upgrade = (
        'op.create_table("fresh", sa.Column("id", sa.Integer, primary_key=True))\n'
        'op.create_index("ix_fresh", "fresh", ["id"])\n'
        'op.execute("UPDATE fresh SET id = id")'
    )

    assert _findings(tmp_path, upgrade) == []


def test_lint_on_a_postgresql_url_reads_the_revisions_for_postgresql(tmp_path: Path) -> None:
    versions = versions_folder(tmp_path)
    write_revision(versions, "a", None, 'op.create_index("ix", "t", ["n"])')
    url = f"postgresql+psycopg://{APP_USER}:{APP_PASSWORD}@127.0.0.1:{free_port()}/app"

    result = run_migrator(
        url, "lint", "--all", "--format", "json", alembic_script_location=versions.parent
    )

    assert result.returncode == LintFindings.exit_code, result.stderr
    assert '"postgresql": "SHARE, an index build"' in result.stdout
    assert "CONCURRENTLY" in result.stdout  # the fix


def test_the_same_revision_in_an_autocommit_block_passes(tmp_path: Path) -> None:
    versions = versions_folder(tmp_path)
    write_revision(
        versions,
        "a",
        None,
        AUTOCOMMIT + 'op.create_index("ix", "t", ["n"], postgresql_concurrently=True)',
    )
    url = f"postgresql+psycopg://{APP_USER}:{APP_PASSWORD}@127.0.0.1:{free_port()}/app"

    result = run_migrator(url, "lint", "--all", alembic_script_location=versions.parent)

    assert result.returncode == OK, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("upgrade", "expected"),
    [
        (
            'op.create_foreign_key("fk", "t", "p", ["pid"], ["id"], postgresql_not_valid=True)\n'
            'op.execute("ALTER TABLE t VALIDATE CONSTRAINT fk")',
            [(BLOCKS_WRITES, "validate-in-same-transaction t")],
        ),
        (
            'op.execute("ALTER TABLE t ADD CONSTRAINT ck CHECK (n > 0) NOT VALID")\n'
            'op.execute("ALTER TABLE t VALIDATE CONSTRAINT ck")',
            [
                (BREAKS_OLD_BUILD, "check-constraint-not-valid t"),
                (BLOCKS_WRITES, "validate-in-same-transaction t"),
            ],
        ),
        (
            'op.create_foreign_key("fk", "t", "p", ["pid"], ["id"], postgresql_not_valid=True)\n'
            + AUTOCOMMIT
            + 'op.execute("ALTER TABLE t VALIDATE CONSTRAINT fk")',
            [],
        ),
    ],
    ids=["same-transaction", "raw-sql-same-transaction", "validated-in-an-autocommit-block"],
)
def test_validate_is_judged_by_the_transaction_it_shares(
    tmp_path: Path, upgrade: str, expected: list[tuple[str, str]]
) -> None:
    assert _findings(tmp_path, upgrade) == expected


def test_a_revision_lint_cannot_run_is_reported_never_a_traceback(tmp_path: Path) -> None:
    versions = versions_folder(tmp_path)
    write_revision(
        versions,
        "a",
        None,
        'op.create_index("ix", "t", ["n"])\n'
        'rows = op.get_bind().execute(sa.text("SELECT id FROM t")).all()\n'
        "op.execute(12)",
    )
    url = f"postgresql+psycopg://{APP_USER}:{APP_PASSWORD}@127.0.0.1:{free_port()}/app"

    result = run_migrator(url, "lint", "--all", alembic_script_location=versions.parent)

    assert result.returncode == LintFindings.exit_code, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "unreadable [unreadable-revision upgrade()]" in result.stdout
    assert "blocks-writes [add-index t]" in result.stdout


def _one_revision(tmp_path: Path) -> Path:
    versions = versions_folder(tmp_path)
    write_revision(versions, "a", None, 'op.execute("SELECT 1")')
    return versions.parent


def test_offline_lint_judges_for_the_oldest_version_the_rules_cover(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://{APP_USER}:{APP_PASSWORD}@127.0.0.1:{free_port()}/app"
    scripts = _one_revision(tmp_path)

    oldest = run_migrator(url, "lint", "--all", alembic_script_location=scripts)
    given = run_migrator(
        url, "lint", "--all", "--pg-version", "16", alembic_script_location=scripts
    )
    too_old = run_migrator(
        url, "lint", "--all", "--pg-version", "12", alembic_script_location=scripts
    )

    assert oldest.returncode == OK, oldest.stderr
    assert "read for PostgreSQL 13 (the oldest the rules cover)" in oldest.stderr
    assert given.returncode == OK, given.stderr
    assert "read for PostgreSQL 16 (--pg-version)" in given.stderr
    assert too_old.returncode == 2, too_old.stderr
    assert "cover 13 and later, not 12" in too_old.stderr


def test_lint_on_a_database_judges_for_the_servers_version(
    postgres_server: PostgresServer, postgres_url: str, tmp_path: Path
) -> None:
    scripts = _one_revision(tmp_path)

    result = run_migrator(postgres_url, "lint", alembic_script_location=scripts)

    assert result.returncode == OK, result.stderr
    major = postgres_server.version // 10000
    assert f"read for PostgreSQL {major} (the server's)" in result.stderr
