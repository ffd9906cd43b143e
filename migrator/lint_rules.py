"""What `migrate lint` reports about one Alembic operation, as MySQL 8.4 would run it.

Two kinds of finding, as the MySQL 8.4 manual's online DDL tables (15.12.1, "Online DDL
Operations") and the expand/contract rule put them:
- `blocks-writes`: the operation is neither INSTANT nor INPLACE with concurrent DML (LOCK=NONE),
  so the table is copied or locked and the API's writes wait until it is done.
- `breaks-old-build`: the build still serving during a rolling deploy stops working (it reads a
  column or table that is gone, or inserts rows the new constraint refuses).

An ADD COLUMN (INSTANT), a nullable or defaulted column, a secondary index (INPLACE, LOCK=NONE)
and a new table report nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from alembic.operations import ops
from sqlalchemy import types as sqltypes

BLOCKS_WRITES = "blocks-writes"
BREAKS_OLD_BUILD = "breaks-old-build"

EXPAND_CONTRACT = (
    "expand/contract: add a new column or table, backfill it in batches, switch the code over, "
    "and drop the old one in a later release"
)

# Raw SQL that MySQL 8.4 runs with ALGORITHM=COPY or a blocking lock.
_BLOCKING_SQL = re.compile(
    r"CONVERT\s+TO\s+CHARACTER\s+SET|\bENGINE\s*=|ALGORITHM\s*=\s*COPY|LOCK\s*=\s*(SHARED|EXCLUSIVE)"
    r"|\b(MODIFY|CHANGE)\s+(COLUMN\s+)?`?\w+|\bDROP\s+PRIMARY\s+KEY|\bADD\s+PRIMARY\s+KEY"
    r"|\bLOCK\s+TABLES?\b",
    re.IGNORECASE,
)
_DESTRUCTIVE_SQL = re.compile(r"\bDROP\s+(COLUMN|TABLE)\b|\bRENAME\s+(COLUMN|TABLE|TO)\b", re.I)


@dataclass(frozen=True)
class Finding:
    kind: str  # BLOCKS_WRITES or BREAKS_OLD_BUILD
    rule: str
    target: str
    why: str
    fix: str

    @property
    def key(self) -> str:
        """What a revision writes in `lint_accept` to declare this finding."""
        return f"{self.rule} {self.target}"


def findings_for(operation: ops.MigrateOperation) -> list[Finding]:
    if isinstance(operation, ops.AlterColumnOp):
        return _alter_column(operation)
    if isinstance(operation, ops.AddColumnOp):
        return _add_column(operation)
    if isinstance(operation, ops.DropColumnOp):
        target = f"{operation.table_name}.{operation.column_name}"
        return [_gone("drop-column", target, "the column")]
    if isinstance(operation, ops.DropTableOp):
        return [_gone("drop-table", operation.table_name, "the table")]
    if isinstance(operation, ops.RenameTableOp):
        target = f"{operation.table_name}->{operation.new_table_name}"
        return [_gone("rename-table", target, "the table under its old name")]
    if isinstance(operation, ops.CreatePrimaryKeyOp) or (
        isinstance(operation, ops.DropConstraintOp) and operation.constraint_type == "primary"
    ):
        return [
            _blocking(
                "primary-key",
                operation.table_name,
                "a primary-key change rebuilds "
                "the table; dropping one without adding another is ALGORITHM=COPY",
            )
        ]
    if isinstance(operation, ops.CreateForeignKeyOp):
        return [
            _blocking(
                "foreign-key",
                operation.source_table,
                "adding a foreign key is ALGORITHM=COPY unless foreign_key_checks is off",
            )
        ]
    if isinstance(operation, ops.CreateIndexOp):
        return _create_index(operation)
    if isinstance(operation, ops.ExecuteSQLOp):
        return _raw_sql(str(operation.sqltext))
    return []


def _alter_column(op: ops.AlterColumnOp) -> list[Finding]:
    target = f"{op.table_name}.{op.column_name}"
    found = []
    if op.modify_type is not None:
        found.append(
            _blocking(
                "type-change",
                target,
                "changing a column's type or character set copies the table (ALGORITHM=COPY)",
            )
        )
        narrowing = _narrowing(op.existing_type, op.modify_type)
        if narrowing:
            found.append(
                Finding(BREAKS_OLD_BUILD, "narrowing-type", target, narrowing, EXPAND_CONTRACT)
            )
    if op.modify_name is not None:
        found.append(_gone("rename-column", f"{target}->{op.modify_name}", "the column's old name"))
    if op.modify_nullable is False and op.existing_nullable is not False:
        found.append(
            Finding(
                BREAKS_OLD_BUILD,
                "not-null",
                target,
                "the build still serving may insert rows without a value, which NOT NULL refuses",
                "make it NOT NULL only once every running build writes the column",
            )
        )
    return found


def _add_column(op: ops.AddColumnOp) -> list[Finding]:
    column = op.column
    if column.nullable or column.server_default is not None or column.primary_key:
        return []
    return [
        Finding(
            BREAKS_OLD_BUILD,
            "not-null-without-default",
            f"{op.table_name}.{column.name}",
            "a NOT NULL column without a server default: the build still serving inserts rows "
            "without it, which the database refuses",
            "add it nullable or with a server_default; tighten it in a later release",
        )
    ]


def _create_index(op: ops.CreateIndexOp) -> list[Finding]:
    prefix = str(op.kw.get("mysql_prefix") or "").upper()
    if prefix not in ("FULLTEXT", "SPATIAL"):
        return []
    return [
        _blocking(
            f"{prefix.lower()}-index",
            op.table_name,
            f"a {prefix} index is built with LOCK=SHARED: writes wait",
        )
    ]


def _raw_sql(sql: str) -> list[Finding]:
    found = []
    statement = " ".join(sql.split())[:80]
    if _BLOCKING_SQL.search(sql):
        found.append(_blocking("raw-sql", statement, "this statement copies or locks the table"))
    if _DESTRUCTIVE_SQL.search(sql):
        found.append(_gone("raw-sql-drop", statement, "what it drops or renames"))
    return found


def _blocking(rule: str, target: str, why: str) -> Finding:
    return Finding(BLOCKS_WRITES, rule, target, why + ", blocking writes", EXPAND_CONTRACT)


def _gone(rule: str, target: str, what: str) -> Finding:
    return Finding(
        BREAKS_OLD_BUILD,
        rule,
        target,
        f"the build still serving during a rolling deploy may read {what}",
        "drop or rename only in a release after the one that stopped using it (contract step)",
    )


def _narrowing(old: object, new: object) -> str | None:
    if not isinstance(old, sqltypes.TypeEngine) or not isinstance(new, sqltypes.TypeEngine):
        return None
    old_size, new_size = _capacity(old), _capacity(new)
    if old_size is None or new_size is None:
        return None
    if old_size[0] != new_size[0]:
        return f"{old} becomes {new}: values the old build writes may no longer fit"
    if new_size[1] < old_size[1]:
        return f"{old} narrows to {new}: longer values are refused or truncated"
    return None


_TEXT_BYTES = {"TINYTEXT": 255, "TEXT": 65_535, "MEDIUMTEXT": 16_777_215, "LONGTEXT": 2**32 - 1}


def _capacity(type_: sqltypes.TypeEngine[object]) -> tuple[str, int] | None:
    """(family, size) to compare two types of one column; None when unknown."""
    if isinstance(type_, sqltypes.Text):
        return ("text", _TEXT_BYTES.get(type(type_).__name__.upper(), type_.length or 65_535))
    if isinstance(type_, sqltypes.String):
        return ("text", type_.length or 0)
    if isinstance(type_, sqltypes.Integer):
        sizes = {"SmallInteger": 2, "Integer": 4, "BigInteger": 8}
        return ("integer", sizes.get(type(type_).__name__, 4))
    return None
