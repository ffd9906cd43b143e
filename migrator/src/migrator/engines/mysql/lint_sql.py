"""Which rules of migrator.engines.mysql.lint_catalogue a raw SQL statement (`op.execute`) hits.

Statements come from migrator.engines.mysql.statements: comments, case and quoting are already gone
from the words read here. An ALTER TABLE is read action by action (its comma-separated list, outside
parentheses), since sqlglot's MySQL dialect parses some actions into a tree and hands others
back as an opaque Command; the tokens cover both alike. UPDATE and DELETE are read from sqlglot's
syntax tree, where the WHERE clause's shape decides whether the statement is bounded.
"""

from __future__ import annotations

import itertools

from sqlglot import exp

from migrator.engines.mysql.statements import Statement, split_statements

Hit = tuple[str, str]  # (rule name, target)

_TABLE_OPTIONS = {
    "ROW_FORMAT": "row-format",
    "KEY_BLOCK_SIZE": "row-format",
    "STATS_PERSISTENT": "table-statistics",
    "STATS_AUTO_RECALC": "table-statistics",
    "STATS_SAMPLE_PAGES": "table-statistics",
    "AUTO_INCREMENT": "auto-increment-value",
    "CHARACTER": "table-charset",
    "CHARSET": "table-charset",
    "COLLATE": "table-charset",
    "TABLESPACE": "tablespace",
    "ENCRYPTION": "tablespace",
    "DISCARD": "tablespace",
    "IMPORT": "tablespace",
    "FORCE": "rebuild-table",
    "CONVERT": "convert-charset",
}
_PARTITION_WORDS = {"PARTITION", "PARTITIONS", "PARTITIONING", "SUBPARTITION"}
_ADD_KINDS = {
    "INDEX": "add-index",
    "KEY": "add-index",
    "UNIQUE": "unique-index",
    "FULLTEXT": "fulltext-index",
    "SPATIAL": "spatial-index",
    "PRIMARY": "add-primary-key",
    "FOREIGN": "add-foreign-key",
    "CHECK": "check-constraint",
}
_DROP_KINDS = {
    "INDEX": "drop-index",
    "KEY": "drop-index",
    "PRIMARY": "drop-primary-key",
    "FOREIGN": "drop-foreign-key",
    "CHECK": "drop-check-constraint",
    "CONSTRAINT": "drop-check-constraint",
}


def hits_for_sql(sql: str) -> list[Hit]:
    return [hit for statement in split_statements(sql) for hit in _statement(statement)]


def _statement(statement: Statement) -> list[Hit]:
    words = statement.words
    verb = statement.verb
    if verb in ("UPDATE", "DELETE"):
        return _dml(statement)
    if verb == "ALTER" and words[1:2] == ["TABLE"] and len(words) > 2:
        return _alter_table(words[2], words[3:])
    if verb == "CREATE":
        return _create(words)
    if verb == "DROP":
        if "INDEX" in words[1:3]:
            return [("drop-index", _after(words, "ON"))]
        if "TABLE" in words[1:3]:
            return [("drop-table", words[-1])]
        return [("unrecognised-ddl", " ".join(words[:3]))]
    if verb == "RENAME":
        return [("rename-table", "->".join(words[2:5:2]))]
    if verb == "OPTIMIZE":
        return [("rebuild-table", words[-1])]
    if statement.is_ddl:
        return [("unrecognised-ddl", " ".join(words[:3]))]
    return []


def _create(words: list[str]) -> list[Hit]:
    if "INDEX" not in words[1:3]:
        return []  # CREATE TABLE, VIEW, ...: nothing serving uses them yet
    kind = words[1] if words[1] != "INDEX" else "INDEX"
    return [(_ADD_KINDS.get(kind, "add-index"), _after(words, "ON"))]


def _after(words: list[str], keyword: str) -> str:
    return words[words.index(keyword) + 1] if keyword in words[:-1] else "?"


def _alter_table(table: str, words: list[str]) -> list[Hit]:
    hits = [hit for action in _actions(words) for hit in _action(table, action)]
    rules = {rule for rule, _ in hits}
    if {"drop-primary-key", "add-primary-key"} <= rules:
        hits = [h for h in hits if h[0] not in ("drop-primary-key", "add-primary-key")]
        hits.append(("replace-primary-key", table))
    return hits


def _actions(words: list[str]) -> list[list[str]]:
    """The ALTER's comma-separated actions, commas inside parentheses left alone."""
    actions: list[list[str]] = [[]]
    depth = 0
    for word in words:
        depth += (word == "(") - (word == ")")
        if word == "," and depth == 0:
            actions.append([])
        else:
            actions[-1].append(word)
    return [action for action in actions if action]


def _action(table: str, action: list[str]) -> list[Hit]:
    first = action[0]
    if first in ("ALGORITHM", "LOCK"):
        return []  # how, not what: the operation itself decides
    if _PARTITION_WORDS & set(action):
        return [("partitioning", table)]
    if first == "ADD":
        return [_add(table, action[1:])]
    if first == "DROP":
        return [_drop(table, action[1:])]
    if first in ("MODIFY", "CHANGE"):
        return _modify(table, action)
    if first == "ALTER":
        rest = action[2:] if action[1:2] == ["COLUMN"] else action[1:]
        if rest[1:3] == ["DROP", "DEFAULT"]:
            return [("drop-default", f"{table}.{rest[0]}")]
        if rest[1:3] == ["SET", "DEFAULT"]:
            return [("set-default", f"{table}.{rest[0]}")]
        return [("unrecognised-ddl", f"{table}: ALTER {' '.join(rest[:3])}")]
    if first == "RENAME":
        return [_rename(table, action[1:])]
    return [_option(table, action[1:] if first == "DEFAULT" and action[1:] else action)]


def _add(table: str, rest: list[str]) -> Hit:
    kind = rest[2] if rest[0] == "CONSTRAINT" and len(rest) > 2 else rest[0]
    if kind == "CONSTRAINT":  # ADD CONSTRAINT <kind> without a name
        kind = rest[1]
    if kind in _ADD_KINDS:
        return (_ADD_KINDS[kind], table)
    column = rest[1:] if rest[0] == "COLUMN" else rest
    target = f"{table}.{column[0]}"
    definition = set(column[1:])
    if "STORED" in definition or "PERSISTENT" in definition:
        return ("stored-generated-column", target)
    if "AS" in definition:
        return ("virtual-generated-column", target)
    if "AUTO_INCREMENT" in definition:
        return ("add-auto-increment-column", target)
    if _not_null(column) and "DEFAULT" not in definition:
        return ("not-null-without-default", target)
    return ("add-column", target)


def _not_null(words: list[str]) -> bool:
    return any(a == "NOT" and b == "NULL" for a, b in itertools.pairwise(words))


def _drop(table: str, rest: list[str]) -> Hit:
    if rest[0] in _DROP_KINDS:
        return (_DROP_KINDS[rest[0]], table)
    column = rest[1] if rest[0] == "COLUMN" else rest[0]
    return ("drop-column", f"{table}.{column}")


def _modify(table: str, action: list[str]) -> list[Hit]:
    rest = action[2:] if action[1:2] == ["COLUMN"] else action[1:]
    hits = [("modify-column", f"{table}.{rest[0]}")]
    if (
        action[0] == "CHANGE"
        and len(rest) > 1
        and rest[1].strip("`").lower() != rest[0].strip("`").lower()
    ):
        hits.append(("rename-column", f"{table}.{rest[0]}->{rest[1]}"))
    if _not_null(rest):
        hits.append(("not-null", f"{table}.{rest[0]}"))
    return hits


def _rename(table: str, rest: list[str]) -> Hit:
    if rest[0] == "COLUMN":
        return ("rename-column", f"{table}.{rest[1]}->{rest[-1]}")
    if rest[0] in ("INDEX", "KEY"):
        return ("rename-index", table)
    return ("rename-table", f"{table}->{rest[-1]}")


def _option(table: str, action: list[str]) -> Hit:
    first = action[0]
    if first == "ENGINE":
        engine = action[-1].strip("`'\"").upper()
        return ("rebuild-table" if engine == "INNODB" else "change-engine", table)
    rule = _TABLE_OPTIONS.get(first)
    if rule is not None:
        return (rule, table)
    return ("unrecognised-ddl", f"{table}: {' '.join(action[:3])}")


def _dml(statement: Statement) -> list[Hit]:
    tree = statement.tree()
    if not isinstance(tree, exp.Update | exp.Delete):
        return [("full-table-dml", " ".join(statement.words[:4]))]
    table = tree.find(exp.Table)
    target = table.name if table is not None else "?"
    if tree.args.get("limit") is not None or _bounded(tree.args.get("where")):
        return []
    return [("full-table-dml", target)]


def _bounded(where: exp.Expression | None) -> bool:
    """Whether a WHERE clause bounds the rows by a constant: a conjunct `col = v`, `col IN
    (...)`, `col BETWEEN a AND b` or `col < v` (with keys counting up from 1). `summary IS NULL`
    alone bounds nothing: it is every row at first."""
    if where is None:
        return False
    condition = where.this
    conjuncts = list(condition.flatten()) if isinstance(condition, exp.And) else [condition]
    for conjunct in conjuncts:
        inner = conjunct.unnest()
        if isinstance(inner, exp.EQ | exp.In | exp.Between | exp.LT | exp.LTE) and isinstance(
            inner.this, exp.Column
        ):
            return True
    return False
