"""`migrate lint --format text|json|github`: the findings where people read them.

`github` prints workflow commands (`::error file=...,line=...::`), which GitHub Actions shows as
annotations on the revision file's line in the pull request.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence

from migrator.lint.revision import UNREADABLE, Finding, RevisionReport

FORMATS = ("text", "json", "github")


def undeclared_count(reports: Sequence[RevisionReport]) -> int:
    return sum(len(report.undeclared) for report in reports)


def render(reports: Sequence[RevisionReport], output_format: str) -> str:
    renderer: Callable[[Sequence[RevisionReport]], str] = {
        "text": _text,
        "json": _json,
        "github": _github,
    }[output_format]
    return renderer(reports)


def _unused(report: RevisionReport) -> list[str]:
    return sorted(set(report.accepted) - {finding.key for finding in report.findings})


def _not_rendered(report: RevisionReport) -> int:
    return sum(not operation.rendered for operation in report.operations)


def _text(reports: Sequence[RevisionReport]) -> str:
    lines: list[str] = []
    for report in reports:
        if not report.findings:
            unrendered = _not_rendered(report)
            read_from = f", {unrendered} not rendered, read as operations" if unrendered else ""
            lines.append(
                f"{report.revision}: clean ({len(report.operations)} operation(s){read_from})"
            )
        for finding in report.findings:
            reason = report.accepted.get(finding.key)
            status = f"accepted: {reason}" if reason else "NOT DECLARED"
            lines += [
                f"{report.revision}: {finding.kind} [{finding.key}] {status}",
                f"    {_first_line(finding)}",
                f"    at: {_relative(report.path)}:{finding.line}",
                f"    why: {finding.why}",
                f"    fix: {finding.rule.fix}",
            ]
        lines += [f"{report.revision}: lint_accept names no finding: {k}" for k in _unused(report)]
    return "\n".join(lines)


def _json(reports: Sequence[RevisionReport]) -> str:
    document = {
        "undeclared": undeclared_count(reports),
        "revisions": [
            {
                "revision": report.revision,
                "file": _relative(report.path),
                "operations": len(report.operations),
                "not_rendered": _not_rendered(report),
                "findings": [_finding_json(report, finding) for finding in report.findings],
                "unused_accepts": _unused(report),
            }
            for report in reports
        ],
    }
    return json.dumps(document, indent=2)


def _finding_json(report: RevisionReport, finding: Finding) -> dict[str, object]:
    verdicts: dict[str, str | None] = dict(finding.rule.verdicts())
    if finding.kind == UNREADABLE:  # what lint could not read has no server's verdict
        verdicts = dict.fromkeys(verdicts)
    return {
        "kind": finding.kind,
        "rule": finding.rule.name,
        "target": finding.target,
        "key": finding.key,
        "line": finding.line,
        "sql": finding.sql,
        **verdicts,
        "why": finding.why,
        "fix": finding.rule.fix,
        "accepted": report.accepted.get(finding.key),
    }


def _github(reports: Sequence[RevisionReport]) -> str:
    lines = []
    for report in reports:
        for finding in report.findings:
            reason = report.accepted.get(finding.key)
            level = "notice" if reason else "error"
            title = f"migrate lint: {finding.kind} [{finding.key}]"
            # An annotation shows no SQL; what lint could not read is said in its SQL line.
            unread = f" {_first_line(finding)}" if finding.kind == UNREADABLE else ""
            message = f"{finding.why}{unread}. Fix: {finding.rule.fix}."
            if reason:
                message = f"accepted ({reason}): {message}"
            lines.append(
                f"::{level} file={_property(_relative(report.path))},line={finding.line},"
                f"title={_property(title)}::{_data(message)}"
            )
    return "\n".join(lines)


def _first_line(finding: Finding) -> str:
    return finding.sql.splitlines()[0] if finding.sql else "(in a batch block: SQL at its end)"


def _relative(path: str) -> str:
    """Relative to where lint runs (the repository root in CI), as annotations want it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
