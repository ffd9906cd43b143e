"""Which rules of migrator.engines.postgresql.lint_catalogue raw SQL (`op.execute`) hits, read
with sqlglot's postgres dialect: it splits the statements (a `;` in a string literal splits
nothing), drops the comments, and gives UPDATE and DELETE as syntax trees whose WHERE decides
whether every row is locked. The DDL forms are read from each statement's normalised text,
action by action for ALTER TABLE (sqlglot hands some back as an opaque Command)."""

from __future__ import annotations

import logging
import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from migrator.engines.lint_catalogue import Hit
from migrator.engines.postgresql.lint_rules import index_rule, is_volatile

# "contains unsupported syntax. Falling back to parsing as a 'Command'": expected, not news.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

_NAME = r'("?[\w$.]+"?)'
_BOUNDING = (exp.EQ, exp.In, exp.Between, exp.LT, exp.LTE)
_CONSTRAINT_WORDS = ("CONSTRAINT", "FOREIGN", "CHECK", "UNIQUE", "PRIMARY")
_QUIET = re.compile(
    r"^(SELECT|INSERT|CREATE (TABLE|TYPE|SEQUENCE|SCHEMA|EXTENSION|FUNCTION|OR REPLACE|VIEW)"
    r"|ALTER TYPE \S+ (ADD VALUE|RENAME VALUE)|COMMENT|GRANT|REVOKE|SET|ANALYZE|DROP (TYPE|"
    r"SEQUENCE|FUNCTION|VIEW|EXTENSION)|COMMIT|BEGIN)\b"
)


def hits_for_sql(sql: str, *, autocommit: bool = False) -> list[Hit]:
    try:
        statements = [
            s for s in sqlglot.parse(sql, read="postgres") if isinstance(s, exp.Expression)
        ]
    except SqlglotError:
        return [("unreadable-revision", f"execute({_first_words(sql)})")]
    return [hit for statement in statements for hit in _statement(statement, autocommit)]


def _statement(statement: exp.Expression, autocommit: bool) -> list[Hit]:
    if isinstance(statement, exp.Update | exp.Delete):
        table = statement.this.name if isinstance(statement.this, exp.Table) else "?"
        if autocommit or _bounded(statement.args.get("where")):
            return []
        return [("full-table-dml", table)]
    text = " ".join(statement.sql(dialect="postgres", comments=False).split())
    upper = text.upper()
    if _QUIET.match(upper):
        return []
    if match := re.match(rf"CREATE (UNIQUE )?INDEX (CONCURRENTLY )?.*? ON (ONLY )?{_NAME}", upper):
        unique, concurrently = bool(match[1]), bool(match[2])
        return [(index_rule(unique, concurrently, autocommit), _unquote(match[4]))]
    if match := re.match(rf"DROP INDEX (CONCURRENTLY )?(IF EXISTS )?{_NAME}", upper):
        if match[1]:
            rule = "drop-index-concurrently" if autocommit else "concurrently-in-transaction"
        else:
            rule = "drop-index"
        return [(rule, _unquote(match[3]))]
    if match := re.match(rf"REINDEX (\(.*?\) )?\w+ (CONCURRENTLY )?{_NAME}", upper):
        if match[2]:
            return [] if autocommit else [("concurrently-in-transaction", _unquote(match[3]))]
        return [("reindex", _unquote(match[3]))]
    if match := re.match(rf"(VACUUM \(?FULL|CLUSTER)\b\)?\s*{_NAME}?", upper):
        return [("rewrite-table", _unquote(match[2] or "?"))]
    if match := re.match(rf"DROP TABLE (IF EXISTS )?{_NAME}", upper):
        return [("drop-table", _unquote(match[2]))]
    if match := re.match(rf"ALTER TABLE (IF EXISTS )?(ONLY )?{_NAME} (.*)$", upper):
        return _alter_table(_unquote(match[3]), match[4], autocommit)
    return [("unrecognised-ddl", _first_words(text))]


def _alter_table(table: str, actions: str, autocommit: bool) -> list[Hit]:
    hits: list[Hit] = []
    for action in _top_level_split(actions):
        hits += _action(table, action.strip(), autocommit)
    return hits


def _action(table: str, action: str, autocommit: bool) -> list[Hit]:
    column = re.match(rf"ADD (COLUMN )?(IF NOT EXISTS )?{_NAME} (.*)$", action)
    if column and not column[3].startswith(_CONSTRAINT_WORDS):
        return [_add_column(table, _unquote(column[3]), column[4])]
    if match := re.match(r"(ADD )?CONSTRAINT \S+ (.*)$", action):
        action = "ADD " + match[2] if match[1] else action
    if match := re.match(r"ADD (FOREIGN KEY|CHECK|UNIQUE|PRIMARY KEY)\b(.*)$", action):
        kind, rest = match[1], match[2]
        not_valid = rest.rstrip().endswith("NOT VALID")
        if kind == "FOREIGN KEY":
            return [("add-foreign-key-not-valid" if not_valid else "add-foreign-key", table)]
        if kind == "CHECK":
            return [("check-constraint-not-valid" if not_valid else "check-constraint", table)]
        if "USING INDEX" in rest:
            return [("constraint-using-index", table)]
        return [("unique-constraint", table)]
    if action.startswith("VALIDATE CONSTRAINT"):
        return [("validate-constraint", table)]
    if action.startswith("DROP CONSTRAINT"):
        return [("drop-constraint", table)]
    if match := re.match(rf"DROP (COLUMN )?(IF EXISTS )?{_NAME}", action):
        return [("drop-column", f"{table}.{_unquote(match[3])}")]
    renamed = re.match(rf"RENAME (COLUMN )?{_NAME} TO {_NAME}", action)
    if renamed and renamed[2] != "CONSTRAINT":
        return [("rename-column", f"{table}.{_unquote(renamed[2])}->{_unquote(renamed[3])}")]
    if match := re.match(rf"RENAME TO {_NAME}", action):
        return [("rename-table", f"{table}->{_unquote(match[1])}")]
    if match := re.match(rf"ALTER (COLUMN )?{_NAME} (.*)$", action):
        return [_alter_column(f"{table}.{_unquote(match[2])}", match[3])]
    return [("unrecognised-ddl", f"{table}: {action[:60]}")]


def _add_column(table: str, column: str, definition: str) -> Hit:
    target = f"{table}.{column}"
    default = re.search(r"\bDEFAULT (.*)$", definition)
    if default and is_volatile(default[1]):
        return ("add-column-volatile-default", target)
    if "NOT NULL" in definition and not default and "PRIMARY KEY" not in definition:
        return ("not-null-without-default", target)
    return ("add-column", target)


def _alter_column(target: str, change: str) -> Hit:
    if change.startswith("SET NOT NULL"):
        return ("not-null", target)
    if change.startswith("DROP NOT NULL"):
        return ("make-null", target)
    if change.startswith("SET DEFAULT"):
        return ("set-default", target)
    if change.startswith("DROP DEFAULT"):
        return ("drop-default", target)
    if change.startswith(("TYPE", "SET DATA TYPE")):
        # Raw SQL does not say the old type: a rewrite unless proven otherwise (op.alter_column
        # with existing_type lets lint compare).
        return ("type-change", target)
    return ("unrecognised-ddl", f"{target}: {change[:60]}")


def _bounded(where: exp.Expression | None) -> bool:
    """A conjunct `col = v`, `col IN (...)`, `col BETWEEN a AND b` or `col < v` bounds the rows."""
    if where is None:
        return False
    condition = where.this if isinstance(where, exp.Where) else where
    conjuncts = list(condition.flatten()) if isinstance(condition, exp.And) else [condition]
    return any(isinstance(c, _BOUNDING) and isinstance(c.this, exp.Column) for c in conjuncts)


def _top_level_split(actions: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in actions:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(name: str) -> str:
    return name.strip('"').lower()


def _first_words(sql: str) -> str:
    return " ".join(sql.split()[:6])
