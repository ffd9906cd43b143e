"""Which rules of migrator.engines.postgresql.lint_catalogue one Alembic operation hits, and
whether it ran inside an autocommit block (`op.get_context().autocommit_block()`), which squawk,
reading SQL text alone, cannot know. Raw SQL (`op.execute`) goes to
migrator.engines.postgresql.lint_sql."""

from __future__ import annotations

import re

from alembic.operations import ops
from sqlalchemy import types as sqltypes
from sqlalchemy.sql.dml import Delete, Insert, Update

from migrator.engines.lint_catalogue import Hit
from migrator.engines.postgresql.lint_catalogue import RULES, UNREADABLE_REVISION, Rule
from migrator.errors import ConfigurationError

UPGRADE_FAILED = "upgrade()"
# Functions whose value differs per row: a default of one rewrites the table to store them.
VOLATILE = ("gen_random_uuid", "uuid_generate", "random", "clock_timestamp", "timeofday", "nextval")


def rule_named(name: str) -> Rule:
    return UNREADABLE_REVISION if name == UNREADABLE_REVISION.name else RULES[name]


def hits_for(operation: ops.MigrateOperation, *, autocommit: bool = False) -> list[Hit]:
    if isinstance(operation, ops.ExecuteSQLOp):
        return _execute(operation.sqltext, autocommit)
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
        concurrently = bool(operation.kw.get("postgresql_concurrently"))
        return [
            (index_rule(bool(operation.unique), concurrently, autocommit), operation.table_name)
        ]
    if isinstance(operation, ops.DropIndexOp):
        concurrently = bool(operation.kw.get("postgresql_concurrently"))
        if concurrently:
            rule = "drop-index-concurrently" if autocommit else "concurrently-in-transaction"
        else:
            rule = "drop-index"
        return [(rule, operation.table_name or "?")]
    if isinstance(operation, ops.CreateUniqueConstraintOp | ops.CreatePrimaryKeyOp):
        return [("unique-constraint", operation.table_name)]
    if isinstance(operation, ops.CreateCheckConstraintOp):
        not_valid = bool(operation.kw.get("postgresql_not_valid"))
        rule = "check-constraint-not-valid" if not_valid else "check-constraint"
        return [(rule, operation.table_name)]
    if isinstance(operation, ops.CreateForeignKeyOp):
        not_valid = bool(operation.kw.get("postgresql_not_valid"))
        rule = "add-foreign-key-not-valid" if not_valid else "add-foreign-key"
        return [(rule, operation.source_table)]
    if isinstance(operation, ops.DropConstraintOp):
        return [("drop-constraint", operation.table_name)]
    return []  # CREATE TABLE, bulk inserts, comments: nothing the running build depends on


def index_rule(unique: bool, concurrently: bool, autocommit: bool) -> str:
    if concurrently and not autocommit:
        return "concurrently-in-transaction"
    if concurrently:
        return "unique-index-concurrently" if unique else "add-index-concurrently"
    return "unique-index" if unique else "add-index"


def _execute(sqltext: object, autocommit: bool) -> list[Hit]:
    if isinstance(sqltext, Update | Delete):
        if sqltext.whereclause is not None or autocommit:
            return []  # a bounded batch, or its own transaction that commits at once
        return [("full-table-dml", str(getattr(sqltext.table, "name", None) or "?"))]
    if isinstance(sqltext, Insert):
        return []
    try:
        sql = str(sqltext)
    except Exception:  # str() compiles for SQLAlchemy's default dialect, which may refuse it
        return [(UNREADABLE_REVISION.name, f"execute({type(sqltext).__name__})")]
    # Here, not at the top: the SQL parser loads when lint reads raw SQL.
    from migrator.engines.postgresql.lint_sql import hits_for_sql

    return hits_for_sql(sql, autocommit=autocommit)


def _add_column(op: ops.AddColumnOp) -> Hit:
    column = op.column
    target = f"{op.table_name}.{column.name}"
    default = column.server_default
    if default is not None and is_volatile(str(getattr(default, "arg", default))):
        return ("add-column-volatile-default", target)
    if column.nullable or default is not None or column.primary_key:
        return ("add-column", target)
    return ("not-null-without-default", target)


def is_volatile(expression: str) -> bool:
    lowered = expression.lower()
    return any(f"{name}(" in lowered.replace(" (", "(") for name in VOLATILE)


def _alter_column(op: ops.AlterColumnOp) -> list[Hit]:
    target = f"{op.table_name}.{op.column_name}"
    hits: list[Hit] = []
    if op.modify_type is not None:
        hits.append((type_change_rule(op.existing_type, op.modify_type), target))
    if op.modify_name is not None:
        hits.append(("rename-column", f"{target}->{op.modify_name}"))
    if op.modify_nullable is False and op.existing_nullable is not False:
        hits.append(("not-null", target))
    elif op.modify_nullable is True and op.existing_nullable is not True:
        hits.append(("make-null", target))
    if op.modify_server_default is None:
        if op.existing_nullable is not True:
            hits.append(("drop-default", target))
    elif op.modify_server_default is not False:
        hits.append(("set-default", target))
    return hits


def type_change_rule(old: object, new: object) -> str:
    """type-change (a rewrite) unless `existing_type` proves the change binary coercible."""
    if not isinstance(old, sqltypes.String) or not isinstance(new, sqltypes.String):
        return "type-change"
    if isinstance(old, sqltypes.Enum) or isinstance(new, sqltypes.Enum):
        return "type-change"
    old_length = None if isinstance(old, sqltypes.Text) else old.length
    new_length = None if isinstance(new, sqltypes.Text) else new.length
    if new_length is None:
        return "type-change-no-rewrite"  # to TEXT, or VARCHAR without a length
    if old_length is None or new_length < old_length:
        return "narrowing-type"  # every value must now fit
    return "type-change-no-rewrite"


class PostgresLintCatalogue:
    """These rules behind the seam (migrator.engines.lint_catalogue), for one major version.

    The verdicts are the same from 13 to 17 by the manual: the version-dependent ones are
    older (an instant constant default from 11, the CHECK proof of SET NOT NULL from 12, REINDEX
    CONCURRENTLY from 12). The one difference inside the range, REINDEX CONCURRENTLY on a
    partitioned table from 14, depends on whether the table is partitioned, which lint cannot
    see offline: the reindex rule's text says so. Older servers are refused, not guessed at."""

    dialect = "postgresql"
    unreadable = UNREADABLE_REVISION
    upgrade_failed = UPGRADE_FAILED

    def __init__(self, version: int, source: str) -> None:
        self.version = version
        self.reads_for = f"PostgreSQL {version} ({source})"

    def hits_for(self, operation: ops.MigrateOperation, *, autocommit: bool = False) -> list[Hit]:
        return hits_for(operation, autocommit=autocommit)

    def sequence_hits(
        self, operations: list[tuple[ops.MigrateOperation, bool, int]]
    ) -> list[tuple[int, str, str]]:
        return validated_where_added(operations)

    def rule_named(self, name: str) -> Rule:
        return rule_named(name)


def validated_where_added(
    operations: list[tuple[ops.MigrateOperation, bool, int]],
) -> list[tuple[int, str, str]]:
    """A VALIDATE CONSTRAINT in the transaction that added the constraint NOT VALID: the ADD's
    lock (ACCESS EXCLUSIVE for a CHECK, SHARE ROW EXCLUSIVE for a foreign key) is still held
    while VALIDATE scans, so the pair blocks writes as a plain ADD would."""
    added: dict[tuple[int, str], str] = {}  # (transaction, constraint) -> table
    hits = []
    for index, (operation, autocommit, transaction) in enumerate(operations):
        if autocommit:
            continue  # its own transaction, committed at once
        for constraint, table in _not_valid_constraints(operation):
            added[(transaction, constraint)] = table
        for constraint in _validated_constraints(operation):
            validated = added.get((transaction, constraint))
            if validated is not None:
                hits.append((index, "validate-in-same-transaction", validated))
    return hits


def _not_valid_constraints(operation: ops.MigrateOperation) -> list[tuple[str, str]]:
    if isinstance(operation, ops.CreateForeignKeyOp | ops.CreateCheckConstraintOp):
        if operation.kw.get("postgresql_not_valid") and operation.constraint_name:
            table = (
                operation.source_table
                if isinstance(operation, ops.CreateForeignKeyOp)
                else operation.table_name
            )
            return [(str(operation.constraint_name).lower(), str(table))]
        return []
    if isinstance(operation, ops.ExecuteSQLOp) and isinstance(operation.sqltext, str):
        return [
            (constraint.lower(), table.lower())
            for table, constraint in _NOT_VALID.findall(operation.sqltext)
        ]
    return []


def _validated_constraints(operation: ops.MigrateOperation) -> list[str]:
    if isinstance(operation, ops.ExecuteSQLOp) and isinstance(operation.sqltext, str):
        return [name.lower() for name in _VALIDATE.findall(operation.sqltext)]
    return []


_NOT_VALID = re.compile(
    r'ALTER\s+TABLE\s+(?:ONLY\s+)?"?([\w.]+)"?\s+ADD\s+CONSTRAINT\s+"?(\w+)"?[^;]*?NOT\s+VALID',
    re.IGNORECASE,
)
_VALIDATE = re.compile(r'VALIDATE\s+CONSTRAINT\s+"?(\w+)"?', re.IGNORECASE)


OLDEST_SUPPORTED = 13
CATALOGUE = PostgresLintCatalogue(OLDEST_SUPPORTED, "the oldest the rules cover")


def catalogue_for(version: int | None) -> PostgresLintCatalogue:
    """The rules for `version` (the server's, or --pg-version); the oldest they cover when it
    is unknown, since what holds there holds on every newer one."""
    if version is None:
        return CATALOGUE
    if version < OLDEST_SUPPORTED:
        raise ConfigurationError(
            f"lint's PostgreSQL rules cover {OLDEST_SUPPORTED} and later, not {version} (out of "
            "support, and its ADD COLUMN defaults and REINDEX differ): upgrade the server"
        )
    return PostgresLintCatalogue(version, "as given")
