"""One example operation per lint rule, on a table with rows, for tests/test_lint_oracle.py.

Each example is an Alembic operation (rendered for the server's dialect, as the migrator would run
it) plus what proves the rule on the server: the verdict (ALGORITHM=INSTANT, or INPLACE with
LOCK=NONE, accepted or refused), a statement of the old build that works before the change and
fails after it, or, for DML, a concurrent write that waits on its row locks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

ROWS = 200

# Every example starts from these tables, each with rows: `t` (the usual columns, an index and
# a CHECK), `p` (a parent for foreign keys), `k` (no primary key), `k2` (a plain primary key).
SCHEMA = (
    "CREATE TABLE p (id INT PRIMARY KEY) ENGINE=InnoDB",
    "INSERT INTO p VALUES (1)",
    "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " c VARCHAR(50) NOT NULL DEFAULT 'x', n INT NULL, e ENUM('a','b','c') NOT NULL DEFAULT 'a',"
    " body TEXT NULL, KEY ix_n (n), CONSTRAINT ck_n CHECK (n >= 0))"
    " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "INSERT INTO t (c, n, body) VALUES "
    + ", ".join(f"('row {i}', 1, 'text {i}')" for i in range(ROWS)),
    "CREATE TABLE k (id INT NOT NULL, v INT NOT NULL) ENGINE=InnoDB",
    "INSERT INTO k VALUES " + ", ".join(f"({i}, {i})" for i in range(1, ROWS + 1)),
    "CREATE TABLE k2 (id INT NOT NULL PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB",
    "INSERT INTO k2 VALUES " + ", ".join(f"({i}, {i})" for i in range(1, ROWS + 1)),
)


@dataclass(frozen=True)
class Example:
    rule: str
    change: ops.MigrateOperation
    old_build: str = ""  # works before the change, fails after it
    setup: tuple[str, ...] = ()  # after SCHEMA
    locks_a_concurrent_write: str = ""  # waits on the change's row locks while it is open


def _raw(sql: str) -> ops.ExecuteSQLOp:
    return ops.ExecuteSQLOp(sql)


def _prefix(prefix: str) -> dict[str, Any]:
    """SQLAlchemy's MariaDB dialect reads its own `mariadb_` keywords, its MySQL one `mysql_`."""
    return {"mysql_prefix": prefix, "mariadb_prefix": prefix}


_C: dict[str, Any] = {"existing_type": sa.String(50), "existing_nullable": False}
_C_DEFAULT: dict[str, Any] = {**_C, "existing_server_default": sa.text("'x'")}
_E: dict[str, Any] = {"existing_nullable": False, "existing_server_default": sa.text("'a'")}
_NEW_ROW = "INSERT INTO t (c) VALUES ('new row')"

EXAMPLES = [
    Example("add-index", ops.CreateIndexOp("ix_c", "t", ["c"])),
    Example("drop-index", ops.DropIndexOp("ix_n", table_name="t")),
    Example("rename-index", _raw("ALTER TABLE t RENAME INDEX ix_n TO ix_n2")),
    Example(
        "unique-index",
        ops.CreateUniqueConstraintOp("uq_c", "t", ["c"]),
        old_build="INSERT INTO t (c) VALUES ('same'), ('same')",
    ),
    Example("fulltext-index", ops.CreateIndexOp("ft_body", "t", ["body"], **_prefix("FULLTEXT"))),
    Example(
        "spatial-index",
        ops.CreateIndexOp("sp_g", "s", ["g"], **_prefix("SPATIAL")),
        setup=(
            "CREATE TABLE s (id INT PRIMARY KEY, g POINT NOT NULL) ENGINE=InnoDB",
            "INSERT INTO s VALUES (1, POINT(1, 1)), (2, POINT(2, 2))",
        ),
    ),
    Example(
        "add-primary-key",
        ops.CreatePrimaryKeyOp("pk_k", "k", ["id"]),
        old_build="INSERT INTO k (id, v) VALUES (1, 0)",
    ),
    Example("drop-primary-key", ops.DropConstraintOp("PRIMARY", "k2", type_="primary")),
    Example(
        "replace-primary-key",
        _raw("ALTER TABLE k2 DROP PRIMARY KEY, ADD PRIMARY KEY (v)"),
        old_build="INSERT INTO k2 (id, v) VALUES (1000, 1)",
    ),
    Example("add-column", ops.AddColumnOp("t", sa.Column("z", sa.Integer(), nullable=True))),
    Example(
        "not-null-without-default",
        ops.AddColumnOp("t", sa.Column("z", sa.Integer(), nullable=False)),
        old_build=_NEW_ROW,
    ),
    Example(
        "add-auto-increment-column",
        _raw("ALTER TABLE k ADD COLUMN seq INT NOT NULL AUTO_INCREMENT UNIQUE"),
    ),
    Example("drop-column", ops.DropColumnOp("t", "body"), old_build="SELECT body FROM t LIMIT 1"),
    Example(
        "rename-column",
        ops.AlterColumnOp("t", "body", modify_name="body2", existing_type=sa.Text()),
        old_build="SELECT body FROM t LIMIT 1",
    ),
    Example("set-default", ops.AlterColumnOp("t", "c", modify_server_default="y", **_C)),
    Example(
        "drop-default",
        ops.AlterColumnOp("t", "c", modify_server_default=None, **_C),
        old_build="INSERT INTO t (n) VALUES (1)",
    ),
    Example(
        "type-change",
        ops.AlterColumnOp("t", "n", modify_type=sa.BigInteger(), existing_type=sa.Integer()),
    ),
    Example(
        "narrowing-type",
        ops.AlterColumnOp("t", "c", modify_type=sa.String(10), **_C_DEFAULT),
        old_build="INSERT INTO t (c) VALUES (REPEAT('w', 40))",
    ),
    Example("varchar-widen", ops.AlterColumnOp("t", "c", modify_type=sa.String(60), **_C_DEFAULT)),
    Example(
        "varchar-widen-prefix",
        ops.AlterColumnOp("t", "c", modify_type=sa.String(100), **_C_DEFAULT),
    ),
    Example(
        "make-null",
        ops.AlterColumnOp(
            "t",
            "c",
            modify_nullable=True,
            existing_type=sa.String(50),
            existing_server_default=sa.text("'x'"),
        ),
    ),
    Example(
        "not-null",
        ops.AlterColumnOp("t", "n", modify_nullable=False, existing_type=sa.Integer()),
        old_build=_NEW_ROW,
    ),
    Example(
        "enum-append",
        ops.AlterColumnOp(
            "t",
            "e",
            modify_type=sa.Enum("a", "b", "c", "d"),
            existing_type=sa.Enum("a", "b", "c"),
            **_E,
        ),
    ),
    Example(
        "enum-change",
        ops.AlterColumnOp(
            "t", "e", modify_type=sa.Enum("a", "b"), existing_type=sa.Enum("a", "b", "c"), **_E
        ),
        old_build="INSERT INTO t (c, e) VALUES ('new row', 'c')",
    ),
    Example("auto-increment-value", _raw("ALTER TABLE t AUTO_INCREMENT = 1000")),
    Example("modify-column", _raw("ALTER TABLE t MODIFY n BIGINT NULL")),
    Example(
        "stored-generated-column",
        ops.AddColumnOp("t", sa.Column("n2", sa.Integer(), sa.Computed("n * 2", persisted=True))),
    ),
    Example(
        "virtual-generated-column",
        ops.AddColumnOp("t", sa.Column("n2", sa.Integer(), sa.Computed("n * 2", persisted=False))),
    ),
    Example("add-foreign-key", ops.CreateForeignKeyOp("fk_n", "t", "p", ["n"], ["id"])),
    Example(
        "drop-foreign-key",
        ops.DropConstraintOp("fk_n", "t", type_="foreignkey"),
        setup=("ALTER TABLE t ADD CONSTRAINT fk_n FOREIGN KEY (n) REFERENCES p (id)",),
    ),
    Example(
        "check-constraint",
        ops.CreateCheckConstraintOp("ck_big", "t", "n < 1000"),
        old_build="INSERT INTO t (c, n) VALUES ('new row', 5000)",
    ),
    Example("drop-check-constraint", ops.DropConstraintOp("ck_n", "t", type_="check")),
    Example("rename-table", ops.RenameTableOp("t", "t2"), old_build="SELECT id FROM t LIMIT 1"),
    Example("drop-table", ops.DropTableOp("k"), old_build="SELECT id FROM k LIMIT 1"),
    Example("rebuild-table", _raw("ALTER TABLE t FORCE")),
    Example("change-engine", _raw("ALTER TABLE k ENGINE=MyISAM")),
    Example("row-format", _raw("ALTER TABLE t ROW_FORMAT=COMPACT")),
    Example("table-statistics", _raw("ALTER TABLE t STATS_PERSISTENT=0")),
    Example("table-charset", _raw("ALTER TABLE t CHARACTER SET = latin1")),
    Example("convert-charset", _raw("ALTER TABLE t CONVERT TO CHARACTER SET latin1")),
    Example(
        "tablespace",
        _raw("ALTER TABLE k DISCARD TABLESPACE"),
        old_build="SELECT id FROM k LIMIT 1",
    ),
    Example("partitioning", _raw("ALTER TABLE k2 PARTITION BY HASH(id) PARTITIONS 2")),
    Example("unrecognised-ddl", _raw("ALTER TABLE t ORDER BY c")),
    Example(
        "full-table-dml",
        _raw("UPDATE t SET n = n + 1"),
        locks_a_concurrent_write=f"UPDATE t SET c = 'elsewhere' WHERE id = {ROWS}",
    ),
]
