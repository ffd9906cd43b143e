"""Our PostgreSQL lint beside squawk (PyPI squawk-cli), statement by statement, on the sample
PostgreSQL projects' revisions and on the statements that tell the two apart.

squawk reads SQL text only. Each operation is given to it as Alembic's offline mode renders the
revision: inside BEGIN/COMMIT, or, for an operation in an autocommit block, as the COMMIT ...
BEGIN Alembic emits around it. The verdicts compared are the ones about the running service
(locks, rewrites, the build still serving); squawk's style and session-setting rules are not:
the runner itself sets lock_timeout on every session and, on purpose, no statement_timeout.

What must hold: every statement squawk flags for the service is a finding here too, or one
of the three kinds it misjudges and we do not, each shown safe: an operation in an autocommit
block (squawk reads Alembic's COMMIT ... BEGIN as a nested or open transaction), one on a table
its revision creates (no row, no running build reads it), and a binary-coercible type change
(test_lint_oracle.py: the table is not rewritten). Any other difference fails, so that a change
on either side is seen."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.operations import ops
from alembic.script import ScriptDirectory

from migrator.engines.postgresql.lint_rules import CATALOGUE
from migrator.lint.revision import lint_revision
from tests.support.scripts import versions_folder, write_revision

SAMPLES = Path(__file__).parents[2] / "sample_projects"
SQUAWK = Path(sys.executable).parent / "squawk"
# Not about the service's reads and writes, or already done by the runner for every session.
NOT_COMPARED = frozenset(
    {
        "prefer-robust-stmts",
        "prefer-bigint-over-int",
        "prefer-bigint-over-smallint",
        "prefer-identity",
        "prefer-text-field",
        "prefer-timestamptz",
        "require-lock-timeout",  # the runner sets lock_timeout (MIGRATOR_LOCK_WAIT_TIMEOUT)
        "require-statement-timeout",  # and, on purpose, none: it would cut a long build
        "ban-char-field",
        "require-enum-value-ordering",  # where a new enum value sorts: the application's call
    }
)
# squawk reads an autocommit block's COMMIT ... BEGIN as a transaction the revision nests or
# leaves open; Alembic's block commits the revision's transaction and opens the next one.
AUTOCOMMIT_MISREAD = frozenset({"transaction-nesting", "ban-uncommitted-transaction"})


@dataclass(frozen=True)
class Statement:
    where: str
    sql: str
    autocommit: bool
    ours: frozenset[str]  # the rules of our findings on it, as `migrate lint` reports them
    on_a_new_table: bool  # a table its revision creates: no row, no running build reads it


def _statements(name: str, scripts: ScriptDirectory, by_revision: bool = True) -> list[Statement]:
    """Each operation of each revision, with the SQL Alembic's offline mode renders for it."""
    found = []
    for script in scripts.walk_revisions():
        report = lint_revision(script, CATALOGUE)
        created = {
            o.operation.table_name
            for o in report.operations
            if isinstance(o.operation, ops.CreateTableOp)
        }
        for operation in report.operations:
            if not operation.sql:
                continue
            ours = frozenset(
                f.rule.name
                for f in report.findings
                if (f.line, f.sql) == (operation.line, operation.sql)
            )
            table = getattr(operation.operation, "table_name", None)
            where = f"{name}/{script.revision}:{operation.line}"
            found.append(
                Statement(
                    where if by_revision else script.revision,
                    operation.sql,
                    operation.autocommit,
                    ours,
                    table in created,
                )
            )
    return found


def _sample_statements() -> list[Statement]:
    found = []
    for name in ("pg_stock", "pg_async", "pg_builtin"):
        ini = SAMPLES / name / "alembic.ini"
        scripts = (
            ScriptDirectory.from_config(Config(str(ini)))
            if ini.exists()
            else ScriptDirectory(str(SAMPLES / name / "migrations"))
        )
        found += _statements(name, scripts)
    return found


AUTOCOMMIT = "with op.get_context().autocommit_block():\n    "
# One revision each, named: the operations that tell the two linters apart.
APART = {
    "widen-varchar": 'op.alter_column("t", "v", type_=sa.String(255), '
    "existing_type=sa.String(100))",
    "to-text": 'op.alter_column("t", "v", type_=sa.Text(), existing_type=sa.String(100))',
    "text-to-varchar": 'op.alter_column("t", "v", type_=sa.String(), existing_type=sa.Text())',
    "int-to-bigint": 'op.alter_column("t", "n", type_=sa.BigInteger(), existing_type=sa.Integer())',
    "index": 'op.create_index("ix", "t", ["n"])',
    "index-concurrently": AUTOCOMMIT
    + 'op.create_index("ix", "t", ["n"], postgresql_concurrently=True)',
    "volatile-default": 'op.add_column("t", sa.Column("a", sa.Uuid, '
    'server_default=sa.text("gen_random_uuid()")))',
    "constant-default": 'op.add_column("t", sa.Column("a", sa.Integer, server_default="5"))',
    "fk": 'op.create_foreign_key("fk", "t", "p", ["pid"], ["id"])',
    "fk-not-valid": 'op.create_foreign_key("fk", "t", "p", ["pid"], ["id"], '
    "postgresql_not_valid=True)",
    "set-not-null": 'op.alter_column("t", "n", nullable=False, existing_type=sa.Integer())',
    "drop-column": 'op.drop_column("t", "v")',
    "unique": 'op.create_unique_constraint("uq", "t", ["n"])',
}


def _apart_statements(tmp_path: Path) -> list[Statement]:
    versions = versions_folder(tmp_path)
    for name, upgrade in APART.items():
        write_revision(versions, name.replace("-", "_"), None, upgrade)
    statements = _statements("apart", ScriptDirectory(str(versions.parent)), by_revision=False)
    return [
        Statement(s.where.replace("_", "-"), s.sql, s.autocommit, s.ours, s.on_a_new_table)
        for s in statements
    ]


# Statements squawk flags that the server shows safe (test_lint_oracle.py: no rewrite).
SERVER_SHOWS_SAFE = {
    ("widen-varchar", "changing-column-type"): "binary coercible: relfilenode unchanged",
    ("to-text", "changing-column-type"): "binary coercible: relfilenode unchanged",
    ("text-to-varchar", "changing-column-type"): "binary coercible: relfilenode unchanged",
}


def _rendered(statement: Statement) -> str:
    sql = statement.sql.rstrip().rstrip(";")
    if statement.autocommit:
        return f"COMMIT;\n{sql};\nBEGIN;\n"
    return f"BEGIN;\n{sql};\nCOMMIT;\n"


def _squawk(statements: list[Statement], tmp_path: Path) -> dict[str, set[str]]:
    files = {}
    for number, statement in enumerate(statements):
        path = tmp_path / f"{number:04d}.sql"
        path.write_text(_rendered(statement), encoding="utf-8")
        files[path.name] = statement.where
    result = subprocess.run(
        [str(SQUAWK), "--reporter", "json", *sorted(str(tmp_path / name) for name in files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    flagged: dict[str, set[str]] = {where: set() for where in files.values()}
    for violation in json.loads(result.stdout or "[]"):
        rule = str(violation["rule_name"])
        if rule not in NOT_COMPARED:
            flagged[files[Path(violation["file"]).name]].add(rule)
    return flagged


@dataclass(frozen=True)
class Compared:
    statement: Statement
    theirs: set[str]  # squawk's rules, the compared ones
    ours: set[str]

    def unexplained(self) -> set[str]:
        """squawk's rules on a statement we call safe that no known reason explains."""
        if self.ours:
            return set()
        if self.statement.on_a_new_table:
            return set()
        return {
            rule
            for rule in self.theirs
            if not (self.statement.autocommit and rule in AUTOCOMMIT_MISREAD)
            and (self.statement.where, rule) not in SERVER_SHOWS_SAFE
        }


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> list[Compared]:
    if not SQUAWK.exists():
        pytest.fail(f"squawk is not installed at {SQUAWK} (the dev group's squawk-cli)")
    statements = _sample_statements() + _apart_statements(tmp_path_factory.mktemp("apart"))
    theirs = _squawk(statements, tmp_path_factory.mktemp("squawk"))
    return [Compared(s, theirs[s.where], set(s.ours)) for s in statements]


def test_every_statement_squawk_flags_is_a_finding_here_or_shown_safe(
    compared: list[Compared], record_property: Callable[[str, object], None]
) -> None:
    for name in ("pg_stock", "pg_async", "pg_builtin", "apart"):
        mine = [
            c
            for c in compared
            if c.statement.where.startswith(name)
            or (name == "apart" and "/" not in c.statement.where)
        ]
        theirs = sum(bool(c.theirs) for c in mine)
        ours = sum(bool(c.ours) for c in mine)
        both = sum(bool(c.theirs and c.ours) for c in mine)
        counts = (
            f"{name}: {len(mine)} statements; squawk flags {theirs}, we flag {ours}, both {both}"
        )
        record_property(name, counts)
        print(counts)  # shown with -s, and in the junit XML as a property
    unexplained = {c.statement.where: sorted(c.unexplained()) for c in compared if c.unexplained()}

    assert unexplained == {}


def test_squawk_misreads_every_autocommit_block_and_we_do_not(compared: list[Compared]) -> None:
    in_blocks = [c for c in compared if c.statement.autocommit]

    assert len(in_blocks) >= 4  # the samples' CONCURRENTLY builds, ADD VALUE, VALIDATE
    assert all(c.theirs & AUTOCOMMIT_MISREAD for c in in_blocks)
    assert all(not c.ours for c in in_blocks)


def test_squawk_flags_what_a_revision_does_to_a_table_it_creates_and_we_do_not(
    compared: list[Compared],
) -> None:
    on_new = [c for c in compared if c.statement.on_a_new_table and c.theirs]

    assert on_new  # the samples' indexes on the tables their first revisions create
    assert all(not c.ours for c in on_new)


def test_both_flag_the_statements_that_block_writes(compared: list[Compared]) -> None:
    by_name = {c.statement.where: c for c in compared}
    for name in ("int-to-bigint", "index", "volatile-default", "fk", "set-not-null", "unique"):
        assert by_name[name].theirs, name
        assert by_name[name].ours, name
    assert by_name["fk-not-valid"].ours == set()
    constant = by_name["constant-default"]
    assert (constant.theirs, constant.ours) == (set(), set())
    for name, _rule in SERVER_SHOWS_SAFE:
        assert by_name[name].ours == set(), name
