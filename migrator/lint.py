"""`migrate lint`: each pending revision's operations, read as Alembic would emit them for MySQL,
without a database, checked by migrator.lint_rules.

A revision accepts a finding by declaring it, with the reason, in the revision itself:

    lint_accept = {"drop-column some_infos.notes": "no build since 1.4 reads notes"}
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from alembic.operations import Operations, ops
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory

from migrator.lint_rules import Finding, findings_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RevisionReport:
    revision: str
    statements: list[tuple[ops.MigrateOperation, str]]
    findings: list[tuple[Finding, str]]  # each with the SQL of its operation
    accepted: dict[str, str]

    @property
    def undeclared(self) -> list[tuple[Finding, str]]:
        return [(f, sql) for f, sql in self.findings if f.key not in self.accepted]


def read_operations(script: Script) -> list[tuple[ops.MigrateOperation, str]]:
    """Run the revision's upgrade() in Alembic's offline mode for MySQL, recording each
    operation with the SQL it emitted (every `op.*` call funnels into Operations.invoke)."""
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="mysql",
        opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True},
    )
    recorded: list[tuple[ops.MigrateOperation, str]] = []
    with Operations.context(context) as operations:
        invoke = operations.invoke

        def recording_invoke(operation: ops.MigrateOperation) -> Any:
            start = buffer.tell()
            result = invoke(operation)
            recorded.append((operation, buffer.getvalue()[start:].strip()))
            return result

        operations.invoke = recording_invoke  # type: ignore[method-assign]
        script.module.upgrade()
    return recorded


def lint_revision(script: Script) -> RevisionReport:
    statements = read_operations(script)
    findings = [
        (finding, sql) for operation, sql in statements for finding in findings_for(operation)
    ]
    accepted = dict(getattr(script.module, "lint_accept", {}) or {})
    return RevisionReport(script.revision, statements, findings, accepted)


def revisions_to_lint(scripts: ScriptDirectory, after: str | None, lint_all: bool) -> list[Script]:
    """Oldest first: every revision, or those after `after` (None: from the start)."""
    lower = "base" if lint_all or after is None else after
    return list(reversed(list(scripts.iterate_revisions("heads", lower))))


def format_report(reports: Iterable[RevisionReport]) -> tuple[list[str], int]:
    """Lines to print, and how many findings no revision declared."""
    lines: list[str] = []
    undeclared = 0
    for report in reports:
        if not report.findings:
            lines.append(f"{report.revision}: clean ({len(report.statements)} operation(s))")
            continue
        for finding, sql in report.findings:
            reason = report.accepted.get(finding.key)
            status = f"accepted: {reason}" if reason else "NOT DECLARED"
            undeclared += reason is None
            lines += [
                f"{report.revision}: {finding.kind} [{finding.key}] {status}",
                f"    {sql.splitlines()[0] if sql else '(no SQL)'}",
                f"    why: {finding.why}",
                f"    fix: {finding.fix}",
            ]
        unused = set(report.accepted) - {finding.key for finding, _ in report.findings}
        lines += [f"{report.revision}: lint_accept names no finding: {key}" for key in unused]
    return lines, undeclared
