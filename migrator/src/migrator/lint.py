"""`migrate lint`: each pending revision's operations, read as Alembic would emit them for MySQL,
without a database, checked against the rules of migrator.lint_catalog.

A revision accepts a finding by declaring it, with the reason, in the revision itself:

    lint_accept = {"drop-column some_infos.notes": "no build since 1.4 reads notes"}
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.operations import ops
from alembic.operations.base import AbstractOperations, Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory

from migrator.lint_catalog import RULES, Rule
from migrator.lint_rules import hits_for

BLOCKS_WRITES = "blocks-writes"
BREAKS_OLD_BUILD = "breaks-old-build"


@dataclass(frozen=True)
class Operation:
    operation: ops.MigrateOperation
    sql: str  # what Alembic emitted for it; empty inside a batch block (emitted at its end)
    line: int  # the revision file's line that called it


@dataclass(frozen=True)
class Finding:
    kind: str  # BLOCKS_WRITES or BREAKS_OLD_BUILD
    rule: Rule
    target: str
    sql: str
    line: int

    @property
    def key(self) -> str:
        """What a revision writes in `lint_accept` to declare this finding."""
        return f"{self.rule.name} {self.target}"

    @property
    def why(self) -> str:
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


def findings_for(operation: ops.MigrateOperation, sql: str = "", line: int = 0) -> list[Finding]:
    found = []
    for rule_name, target in hits_for(operation):
        rule = RULES[rule_name]
        if rule.blocks_writes:
            found.append(Finding(BLOCKS_WRITES, rule, target, sql, line))
        if rule.breaks:
            found.append(Finding(BREAKS_OLD_BUILD, rule, target, sql, line))
    return found


@contextmanager
def _recording(buffer: io.StringIO, path: str) -> Iterator[list[Operation]]:
    """Record every operation of any Operations object, batch blocks' included: Alembic builds
    a new BatchOperations per `batch_alter_table` block, and every op.* call of either kind
    funnels into AbstractOperations.invoke, so the class, not one instance, is patched."""
    recorded: list[Operation] = []
    invoke = AbstractOperations.invoke

    def recording_invoke(self: AbstractOperations, operation: ops.MigrateOperation) -> Any:
        start = buffer.tell()
        result = invoke(self, operation)
        recorded.append(Operation(operation, buffer.getvalue()[start:].strip(), _caller(path)))
        return result

    AbstractOperations.invoke = recording_invoke  # type: ignore[method-assign]
    try:
        yield recorded
    finally:
        AbstractOperations.invoke = invoke  # type: ignore[method-assign]


def _caller(path: str) -> int:
    """The line of the revision file (`path`) that led to this operation, helpers included."""
    frame = sys._getframe(1)
    while frame is not None:
        if Path(frame.f_code.co_filename) == Path(path):
            return frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return 1


def read_operations(script: Script, dialect: str = "mysql") -> list[Operation]:
    """Run the revision's upgrade() in Alembic's offline mode, recording each operation with the
    SQL it emitted and the line that called it."""
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name=dialect,
        opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True},
    )
    with Operations.context(context), _recording(buffer, script.path) as recorded:
        script.module.upgrade()
    return recorded


def lint_revision(script: Script) -> RevisionReport:
    operations = read_operations(script)
    # A table this revision creates is one no running build uses yet: nothing on it can block
    # the build still serving, or break it.
    created = {
        o.operation.table_name for o in operations if isinstance(o.operation, ops.CreateTableOp)
    }
    findings = [
        f
        for o in operations
        for f in findings_for(o.operation, o.sql, o.line)
        if f.target.split(".", 1)[0] not in created
    ]
    accepted = dict(getattr(script.module, "lint_accept", {}) or {})
    return RevisionReport(script.revision, script.path, operations, findings, accepted)


def revisions_to_lint(scripts: ScriptDirectory, after: str | None, lint_all: bool) -> list[Script]:
    """Oldest first: every revision, or those after `after` (None: from the start)."""
    lower = "base" if lint_all or after is None else after
    return list(reversed(list(scripts.iterate_revisions("heads", lower))))
