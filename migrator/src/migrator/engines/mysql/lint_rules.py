"""Which rules of migrator.engines.mysql.lint_catalogue one Alembic operation hits.

Alembic's operations say what changes (`existing_type` next to the new type, `existing_nullable`),
which the SQL they emit does not: MySQL's MODIFY restates the whole column. So the operations
are read here, and only raw SQL (`op.execute`) goes to migrator.engines.mysql.lint_sql. An UPDATE
or DELETE built with SQLAlchemy (`op.execute(table.update()...)`) is read from the clause object:
offline mode cannot render it at all when its `sa.column()`s carry no type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic.operations import ops
from sqlalchemy import Computed
from sqlalchemy import types as sqltypes
from sqlalchemy.sql import operators
from sqlalchemy.sql.dml import Delete, Insert, Update
from sqlalchemy.sql.elements import (
    BinaryExpression,
    BooleanClauseList,
    ColumnClause,
    ColumnElement,
    Grouping,
)

from migrator.engines.mysql.lint_catalogue import RULES, Rule, Verdict

if TYPE_CHECKING:
    from migrator.engines.mysql.lint_sql import Hit

UTF8MB4_BYTES_PER_CHAR = 4  # the project's tables are utf8mb4
_ONE_BYTE_PREFIX_MAX = 255  # a VARCHAR up to 255 bytes has a 1-byte length prefix, else 2

# Not in lint_catalog.RULES, whose every rule is a server verdict tests/test_lint_oracle.py
# checks: this one is lint's own, for what it could not read, so that a person reads it instead.
UNREADABLE_REVISION = Rule(
    "unreadable-revision",
    Verdict.NOT_ALTER,
    Verdict.NOT_ALTER,
    "lint could not read this part of the revision, so what it does is unchecked",
    fix=(
        "make upgrade() run in Alembic's offline mode (upgrade --sql), which reads no rows back "
        "through op.get_bind(); or review the revision by hand and declare it in lint_accept"
    ),
)
UPGRADE_FAILED = "upgrade()"  # UNREADABLE_REVISION's target when upgrade() itself raised


def rule_named(name: str) -> Rule:
    return UNREADABLE_REVISION if name == UNREADABLE_REVISION.name else RULES[name]


def hits_for(operation: ops.MigrateOperation) -> list[Hit]:
    if isinstance(operation, ops.ExecuteSQLOp):
        return _execute(operation.sqltext)
    if isinstance(operation, ops.AlterColumnOp):
        return _alter_column(operation)
    if isinstance(operation, ops.AddColumnOp):
        return [_add_column(operation)]
    if isinstance(operation, ops.DropColumnOp):
        return [("drop-column", f"{operation.table_name}.{operation.column_name}")]
    if isinstance(operation, ops.DropTableOp):
        return [("drop-table", operation.table_name)]
    if isinstance(operation, ops.RenameTableOp):
        return [("rename-table", f"{operation.table_name}->{operation.new_table_name}")]
    if isinstance(operation, ops.CreateIndexOp):
        return [(_index_rule(operation), operation.table_name)]
    if isinstance(operation, ops.DropIndexOp):
        return [("drop-index", operation.table_name or "?")]
    if isinstance(operation, ops.CreateUniqueConstraintOp):
        return [("unique-index", operation.table_name)]
    if isinstance(operation, ops.CreateCheckConstraintOp):
        return [("check-constraint", operation.table_name)]
    if isinstance(operation, ops.CreatePrimaryKeyOp):
        return [("add-primary-key", operation.table_name)]
    if isinstance(operation, ops.CreateForeignKeyOp):
        return [("add-foreign-key", operation.source_table)]
    if isinstance(operation, ops.DropConstraintOp):
        return [(_drop_constraint_rule(operation.constraint_type), operation.table_name)]
    return []  # CREATE TABLE, bulk inserts, comments: nothing the running build depends on


def _execute(sqltext: object) -> list[Hit]:
    if isinstance(sqltext, Update | Delete):
        return _dml_clause(sqltext)
    if isinstance(sqltext, Insert):
        return []  # new rows: nothing the running build reads changes under it
    try:
        sql = str(sqltext)
    except Exception:  # str() compiles for SQLAlchemy's default dialect, which may refuse it
        return [(UNREADABLE_REVISION.name, f"execute({type(sqltext).__name__})")]
    # Here, not at the top: the SQL parser is loaded when lint reads raw SQL, not at every start
    # of the runner (migrator.engines.mysql.ddl_verbs).
    from migrator.engines.mysql.lint_sql import hits_for_sql

    return hits_for_sql(sql)


def _dml_clause(statement: Update | Delete) -> list[Hit]:
    """An UPDATE or DELETE clause touches every row unless a LIMIT or its WHERE bounds it, as
    migrator.engines.mysql.lint_sql reads the same statement written as SQL."""
    kwargs = statement.dialect_kwargs
    if kwargs.get("mysql_limit") is not None or kwargs.get("mariadb_limit") is not None:
        return []
    if _bounded(statement.whereclause):
        return []
    return [("full-table-dml", str(getattr(statement.table, "name", None) or "?"))]


_BOUNDING = (operators.eq, operators.in_op, operators.between_op, operators.lt, operators.le)


def _bounded(where: ColumnElement[object] | None) -> bool:
    """A conjunct `col = v`, `col IN (...)`, `col BETWEEN a AND b` or `col < v` bounds the rows
    (migrator.engines.mysql.lint_sql._bounded's rule); a WHERE in text() is not read: unbounded."""
    if where is None:
        return False
    conjuncts = (
        list(where.clauses)
        if isinstance(where, BooleanClauseList) and where.operator is operators.and_
        else [where]
    )
    for conjunct in conjuncts:
        inner = conjunct.element if isinstance(conjunct, Grouping) else conjunct
        if (
            isinstance(inner, BinaryExpression)
            and inner.operator in _BOUNDING
            and isinstance(inner.left, ColumnClause)
        ):
            return True
    return False


def _index_rule(op: ops.CreateIndexOp) -> str:
    prefix = str(op.kw.get("mysql_prefix") or op.kw.get("mariadb_prefix") or "").upper()
    if prefix in ("FULLTEXT", "SPATIAL"):
        return f"{prefix.lower()}-index"
    return "unique-index" if op.unique else "add-index"


def _drop_constraint_rule(constraint_type: str | None) -> str:
    return {
        "primary": "drop-primary-key",
        "foreignkey": "drop-foreign-key",
        "check": "drop-check-constraint",
        "unique": "drop-index",
    }.get(constraint_type or "", "unrecognised-ddl")


def _add_column(op: ops.AddColumnOp) -> Hit:
    column = op.column
    target = f"{op.table_name}.{column.name}"
    if isinstance(column.computed, Computed):
        stored = column.computed.persisted is True
        return ("stored-generated-column" if stored else "virtual-generated-column", target)
    if column.autoincrement is True:
        return ("add-auto-increment-column", target)
    if column.nullable or column.server_default is not None or column.primary_key:
        return ("add-column", target)
    return ("not-null-without-default", target)


def _alter_column(op: ops.AlterColumnOp) -> list[Hit]:
    target = f"{op.table_name}.{op.column_name}"
    hits: list[Hit] = []
    if op.modify_type is not None:
        hits.append((_type_change_rule(op.existing_type, op.modify_type), target))
    if op.modify_name is not None:
        hits.append(("rename-column", f"{target}->{op.modify_name}"))
    if op.modify_nullable is False and op.existing_nullable is not False:
        hits.append(("not-null", target))
    elif op.modify_nullable is True and op.existing_nullable is not True:
        hits.append(("make-null", target))
    if op.modify_server_default is None:  # alter_column(server_default=None): DROP DEFAULT
        if op.existing_nullable is not True:  # harmless on a nullable column: NULL it is
            hits.append(("drop-default", target))
    elif op.modify_server_default is not False:
        hits.append(("set-default", target))
    return hits


def _type_change_rule(old: object, new: object) -> str:
    """type-change unless lint can prove better (or worse) from `existing_type`."""
    if isinstance(old, sqltypes.Enum) and isinstance(new, sqltypes.Enum):
        appended = list(new.enums[: len(old.enums)]) == list(old.enums)
        return "enum-append" if appended else "enum-change"
    old_size, new_size = _capacity(old), _capacity(new)
    if old_size is None or new_size is None:
        return "type-change"
    if old_size[0] != new_size[0] or new_size[1] < old_size[1]:
        return "narrowing-type"
    if old_size[0] == "varchar":
        old_bytes, new_bytes = (
            size * UTF8MB4_BYTES_PER_CHAR for size in (old_size[1], new_size[1])
        )
        same_prefix = (old_bytes > _ONE_BYTE_PREFIX_MAX) == (new_bytes > _ONE_BYTE_PREFIX_MAX)
        return "varchar-widen" if same_prefix else "varchar-widen-prefix"
    return "type-change"


_TEXT_BYTES = {"TINYTEXT": 255, "TEXT": 65_535, "MEDIUMTEXT": 16_777_215, "LONGTEXT": 2**32 - 1}
_INTEGER_BYTES = {"SmallInteger": 2, "Integer": 4, "BigInteger": 8}


def _capacity(type_: object) -> tuple[str, int] | None:
    """(family, size) to compare two types of one column; None when unknown."""
    if isinstance(type_, sqltypes.Text):
        return ("text", _TEXT_BYTES.get(type(type_).__name__.upper(), type_.length or 65_535))
    if isinstance(type_, sqltypes.String) and not isinstance(type_, sqltypes.Enum):
        family = "char" if type(type_).__name__.upper() == "CHAR" else "varchar"
        return (family, type_.length or 0)
    if isinstance(type_, sqltypes.Integer):
        return ("integer", _INTEGER_BYTES.get(type(type_).__name__, 4))
    return None


class MysqlLintCatalogue:
    """These rules behind the seam (migrator.engines.lint_catalogue)."""

    dialect = "mysql"
    unreadable = UNREADABLE_REVISION
    upgrade_failed = UPGRADE_FAILED
    reads_for = "MySQL 8.4 and MariaDB 10.11"

    def hits_for(self, operation: ops.MigrateOperation, *, autocommit: bool = False) -> list[Hit]:
        return hits_for(operation)  # MySQL commits each DDL statement: no block changes that

    def sequence_hits(
        self, operations: list[tuple[ops.MigrateOperation, bool, int]]
    ) -> list[tuple[int, str, str]]:
        return []  # each statement commits by itself: none holds another's lock

    def rule_named(self, name: str) -> Rule:
        return rule_named(name)


CATALOGUE = MysqlLintCatalogue()
