"""README's table of PostgreSQL lint rules is the catalogue's own: every rule, the lock and work
the server does (as test_lint_oracle.py holds it to), what it is a finding for, and the fix."""

from __future__ import annotations

from core.settings import PROJECT_ROOT
from migrator.engines.postgresql.lint_catalogue import RULES, Rule

BEGIN, END = "<!-- postgresql-lint-rules -->", "<!-- /postgresql-lint-rules -->"


def _kinds(rule: Rule) -> str:
    kinds = [
        kind
        for kind, applies in (
            ("fails-on-server", bool(rule.fails)),
            ("blocks-writes", rule.blocks_writes),
            ("breaks-old-build", bool(rule.breaks)),
        )
        if applies
    ]
    return ", ".join(kinds) or "none"


def rules_table() -> str:
    lines = [
        "| rule | what it is | what the server does | finding | fix |",
        "|---|---|---|---|---|",
    ]
    for rule in RULES.values():
        cells = [
            f"`{rule.name}`",
            rule.what,
            f"{rule.lock.value}, {rule.work.value}",
            _kinds(rule),
            rule.fix if _kinds(rule) != "none" else "",
        ]
        lines.append("| " + " | ".join(cell.replace("|", "\\\\|") for cell in cells) + " |")
    return "\n".join(lines)


def test_the_readme_shows_every_postgresql_rule_as_the_catalogue_has_it() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split(BEGIN, 1)[1].split(END, 1)[0].strip()

    assert shown == rules_table()
