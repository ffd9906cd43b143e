"""`migrate lint`: each pending revision's operations, read as Alembic would emit them for the
engine, without a database, checked against the engine's rules (a LintCatalogue:
migrator.engines.lint_catalogue; MySQL's are migrator.engines.mysql.lint_catalogue).

A revision accepts a finding by declaring it, with the reason, in the revision itself:

    lint_accept = {"drop-column some_infos.notes": "no build since 1.4 reads notes"}

Lint never stops at what it cannot read. An operation offline mode cannot render (an
`sa.column()` without a type in an UPDATE's values) is still judged from the operation object,
its SQL shown as "(not rendered: <why>)"; an upgrade() that raises keeps the operations it made
before, plus an `unreadable` finding of the catalogue's `unreadable` rule on the line that
raised, which fails lint like any other until a person reads the revision and declares it.
"""

from __future__ import annotations

import io
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.operations import ops
from alembic.operations.base import AbstractOperations, Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory

from migrator.engines.lint_catalogue import LintCatalogue, LintRule

BLOCKS_WRITES = "blocks-writes"
BREAKS_OLD_BUILD = "breaks-old-build"
FAILS_ON_SERVER = "fails-on-server"
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Operation:
    operation: ops.MigrateOperation
    # What Alembic emitted for it; empty inside a batch block (emitted at its end); when
    # rendering raised, "(not rendered: <why>)".
    sql: str
    line: int  # the revision file's line that called it
    rendered: bool = True
    autocommit: bool = False  # inside `op.get_context().autocommit_block()`
    # Which transaction of the revision it ran in: each autocommit block ends one.
    transaction: int = 0


@dataclass(frozen=True)
class Reading:
    """A revision's upgrade() as lint saw it: every operation it invoked, and why it stopped
    before its end, if it did."""

    operations: list[Operation]
    failure: str = ""
    failure_line: int = 0


@dataclass(frozen=True)
class Finding:
    kind: str  # BLOCKS_WRITES, BREAKS_OLD_BUILD, FAILS_ON_SERVER or UNREADABLE
    rule: LintRule
    target: str
    sql: str
    line: int

    @property
    def key(self) -> str:
        """What a revision writes in `lint_accept` to declare this finding."""
        return f"{self.rule.name} {self.target}"

    @property
    def why(self) -> str:
        if self.kind == UNREADABLE:
            return self.rule.what
        if self.kind == FAILS_ON_SERVER:
            return f"{self.rule.what}: {self.rule.fails}"
        if self.kind == BREAKS_OLD_BUILD:
            return (
                f"{self.rule.what}: during a rolling deploy, the build still serving breaks: "
                f"{self.rule.breaks}"
            )
        if self.rule.locks_rows:
            return self.rule.what
        return f"{self.rule.what}: {self.rule.describe_verdict()}, so writes wait"


@dataclass(frozen=True)
class RevisionReport:
    revision: str
    path: str
    operations: list[Operation]
    findings: list[Finding]
    accepted: dict[str, str]

    @property
    def undeclared(self) -> list[Finding]:
        return [f for f in self.findings if f.key not in self.accepted]


def findings_for(
    operation: ops.MigrateOperation,
    catalogue: LintCatalogue,
    sql: str = "",
    line: int = 0,
    *,
    autocommit: bool = False,
) -> list[Finding]:
    found = []
    for rule_name, target in catalogue.hits_for(operation, autocommit=autocommit):
        rule = catalogue.rule_named(rule_name)
        if rule is catalogue.unreadable:
            found.append(Finding(UNREADABLE, rule, target, sql, line))
        found += _kinds(rule, target, sql, line)
    return found


def _kinds(rule: LintRule, target: str, sql: str, line: int) -> list[Finding]:
    """A hit of `rule`, as one finding of each kind it is."""
    kinds = [
        (FAILS_ON_SERVER, bool(rule.fails)),
        (BLOCKS_WRITES, rule.blocks_writes),
        (BREAKS_OLD_BUILD, bool(rule.breaks)),
    ]
    return [Finding(kind, rule, target, sql, line) for kind, applies in kinds if applies]


@contextmanager
def _recording(buffer: io.StringIO, path: str) -> Iterator[list[Operation]]:
    """Record every operation of any Operations object, batch blocks' included: Alembic builds
    a new BatchOperations per `batch_alter_table` block, and every op.* call of either kind
    funnels into AbstractOperations.invoke, so the class, not one instance, is patched. So is
    MigrationContext.autocommit_block, to know which operations ran in their own transaction."""
    recorded: list[Operation] = []
    invoke = AbstractOperations.invoke
    autocommit_block = MigrationContext.autocommit_block
    blocks = [0, 0]  # open now, entered so far

    @contextmanager
    def counted_block(self: MigrationContext) -> Iterator[None]:
        blocks[0] += 1
        blocks[1] += 1
        try:
            with autocommit_block(self):
                yield
        finally:
            blocks[0] -= 1

    def where() -> dict[str, Any]:
        return {"autocommit": blocks[0] > 0, "transaction": blocks[1]}

    def recording_invoke(self: AbstractOperations, operation: ops.MigrateOperation) -> Any:
        start = buffer.tell()
        try:
            result = invoke(self, operation)
        except Exception as error:  # SQLAlchemy's CompileError, or whatever the revision passed
            buffer.seek(start)
            buffer.truncate()  # a half-written statement is not the next operation's SQL
            sql = f"(not rendered: {_one_line(error)})"
            recorded.append(Operation(operation, sql, _caller(path), rendered=False, **where()))
            return None  # offline, no operation returns anything upgrade() goes on with
        sql = buffer.getvalue()[start:].strip()
        recorded.append(Operation(operation, sql, _caller(path), **where()))
        return result

    AbstractOperations.invoke = recording_invoke  # type: ignore[method-assign]
    MigrationContext.autocommit_block = counted_block  # type: ignore[method-assign]
    try:
        yield recorded
    finally:
        AbstractOperations.invoke = invoke  # type: ignore[method-assign]
        MigrationContext.autocommit_block = autocommit_block  # type: ignore[method-assign]


def _caller(path: str) -> int:
    """The line of the revision file (`path`) that led to this operation, helpers included."""
    frame = sys._getframe(1)
    while frame is not None:
        if Path(frame.f_code.co_filename) == Path(path):
            return frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return 1


def _one_line(error: Exception) -> str:
    message = str(error).strip().splitlines()
    return f"{type(error).__name__}: {message[0]}" if message else type(error).__name__


def _raised_at(error: Exception, path: str) -> int:
    """The revision file's last line in the traceback: where upgrade() stopped."""
    frames = reversed(traceback.extract_tb(error.__traceback__))
    return next((f.lineno for f in frames if Path(f.filename) == Path(path)), None) or 1


def read_operations(script: Script, dialect: str) -> Reading:
    """Run the revision's upgrade() in Alembic's offline mode, recording each operation with the
    SQL it emitted and the line that called it."""
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name=dialect,
        opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True},
    )
    with Operations.context(context), _recording(buffer, script.path) as recorded:
        try:
            script.module.upgrade()
        except Exception as error:  # its own bug, or what offline mode has not: a connection
            return Reading(list(recorded), _one_line(error), _raised_at(error, script.path))
    return Reading(recorded)


def lint_revision(script: Script, catalogue: LintCatalogue) -> RevisionReport:
    reading = read_operations(script, catalogue.dialect)
    operations = reading.operations
    # A table this revision creates is one no running build uses yet: nothing on it can block
    # the build still serving, or break it.
    created = {
        o.operation.table_name for o in operations if isinstance(o.operation, ops.CreateTableOp)
    }
    findings = [
        f
        for o in operations
        for f in findings_for(o.operation, catalogue, o.sql, o.line, autocommit=o.autocommit)
        if f.target.split(".", 1)[0] not in created
    ]
    sequence = [(o.operation, o.autocommit, o.transaction) for o in operations]
    for index, rule_name, target in catalogue.sequence_hits(sequence):
        if target.split(".", 1)[0] not in created:
            o = operations[index]
            rule = catalogue.rule_named(rule_name)
            findings += _kinds(rule, target, o.sql, o.line)
    if reading.failure:
        sql = f"(not read past this line: {reading.failure})"
        findings.append(
            Finding(
                UNREADABLE,
                catalogue.unreadable,
                catalogue.upgrade_failed,
                sql,
                reading.failure_line,
            )
        )
    accepted = dict(getattr(script.module, "lint_accept", {}) or {})
    return RevisionReport(script.revision, script.path, operations, findings, accepted)


def revisions_to_lint(
    scripts: ScriptDirectory, database_heads: tuple[str, ...], lint_all: bool
) -> list[Script]:
    """Oldest first: every revision (lint_all), or every revision an upgrade from
    `database_heads` would run, as Alembic computes it: a branch older than the database's heads
    that a merge brings in, and `depends_on` revisions, included."""
    lower: str | tuple[str, ...] = "base" if lint_all or not database_heads else database_heads
    pending = scripts.iterate_revisions("heads", lower, implicit_base=True)
    return list(reversed(list(pending)))
