"""Every rule `migrate lint` knows: what the server does (MySQL 8.4 and MariaDB 10.11) and what
breaks the build still serving during a rolling deploy.

The online-DDL verdicts follow MySQL 8.4's manual, 17.12.1 "Online DDL Operations" (tables for
index, primary-key, column, generated-column, foreign-key, table, tablespace and partitioning
operations) and MariaDB's "InnoDB Online DDL Operations with the INSTANT / INPLACE / NOCOPY
Alter Algorithm" pages. They are not taken on trust: tests/test_lint_oracle.py runs each rule's
example on the real server with ALGORITHM=INSTANT or ALGORITHM=INPLACE, LOCK=NONE.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

BACKFILL = "migrator.backfill.backfill_in_batches"
EXPAND_CONTRACT = (
    "expand/contract: add a new column or table, backfill it with "
    f"{BACKFILL}, switch the code over, and drop the old one in a later release"
)
CONTRACT_LATER = (
    "drop or rename only in a release after the one that stopped using it (contract step)"
)


class Verdict(enum.Enum):
    INSTANT = "INSTANT"  # metadata only: ALGORITHM=INSTANT
    INPLACE = "INPLACE"  # ALGORITHM=INPLACE, LOCK=NONE: concurrent writes go on
    BLOCKING = "blocking"  # a table copy or a lock: writes wait until it is done
    NOT_ALTER = "not an ALTER"  # no ALGORITHM clause applies (DROP TABLE, DML)

    @property
    def blocks_writes(self) -> bool:
        return self is Verdict.BLOCKING


# Short names for the table below, as the manual's columns read: Instant, in Place, Blocking.
IN, P, B, N = Verdict.INSTANT, Verdict.INPLACE, Verdict.BLOCKING, Verdict.NOT_ALTER


@dataclass(frozen=True)
class Rule:
    name: str
    mysql: Verdict  # MySQL 8.4
    mariadb: Verdict  # MariaDB 10.11
    what: str  # the operation, as the manual's table names it
    breaks: str = ""  # how the build still serving fails, when it does
    fix: str = EXPAND_CONTRACT
    locks_rows: bool = False  # DML holding row locks on the whole table until it commits
    fails: str = ""  # how the revision fails on the server because of it

    @property
    def blocks_writes(self) -> bool:
        return self.locks_rows or self.mysql.blocks_writes or self.mariadb.blocks_writes

    def verdict_for(self, mariadb: bool) -> Verdict:
        return self.mariadb if mariadb else self.mysql

    def verdicts(self) -> dict[str, str]:
        return {"mysql_8_4": self.mysql.value, "mariadb_10_11": self.mariadb.value}

    def describe_verdict(self) -> str:
        if self.mysql is self.mariadb:
            return f"{self.mysql.value} on MySQL 8.4 and MariaDB 10.11"
        return f"{self.mysql.value} on MySQL 8.4, {self.mariadb.value} on MariaDB 10.11"


_INSERT_REFUSED = "the build still serving inserts rows without it, which the database refuses"
_NOT_NULL_FIX = (
    f"add it nullable, backfill with {BACKFILL} (it catches up with rows the old build keeps "
    "inserting), and set NOT NULL in a later release, right after one more backfill pass"
)
_UNIQUE = "the build still serving may insert duplicates, which then fail"
_UNIQUE_FIX = (
    "deploy code that never writes duplicates first; then add the unique index in a later "
    "release and declare it in lint_accept"
)

_RULES = [
    # Index operations (MySQL 8.4 table 17.15)
    Rule("add-index", P, P, "creating a secondary index"),
    Rule("drop-index", P, P, "dropping an index"),
    Rule("rename-index", P, IN, "renaming an index"),
    Rule("unique-index", P, P, "adding a unique index or constraint", _UNIQUE, _UNIQUE_FIX),
    Rule("fulltext-index", B, B, "adding a FULLTEXT index (LOCK=SHARED at best)"),
    Rule("spatial-index", B, B, "adding a SPATIAL index (LOCK=SHARED at best)"),
    # Primary key operations
    Rule("add-primary-key", P, P, "adding a primary key (rebuilds the table)", _UNIQUE),
    Rule("drop-primary-key", B, B, "dropping a primary key without adding one (COPY)"),
    Rule("replace-primary-key", P, P, "dropping a primary key and adding another", _UNIQUE),
    # Column operations
    Rule("add-column", IN, IN, "adding a nullable or defaulted column"),
    Rule(
        "not-null-without-default",
        IN,
        IN,
        "adding a NOT NULL column without a server default",
        _INSERT_REFUSED,
        _NOT_NULL_FIX,
    ),
    Rule("add-auto-increment-column", B, B, "adding an AUTO_INCREMENT column"),
    Rule("drop-column", IN, IN, "dropping a column", "it may read the column", CONTRACT_LATER),
    Rule("rename-column", IN, IN, "renaming a column", "it reads the old name", CONTRACT_LATER),
    Rule("set-default", IN, IN, "setting a column default"),
    Rule(
        "drop-default",
        IN,
        IN,
        "dropping a column default",
        "on a NOT NULL column, its inserts that leave the column out fail (1364)",
        "keep the default until every running build writes the column",
    ),
    Rule("type-change", B, B, "changing the column data type (COPY)"),
    Rule(
        "narrowing-type",
        B,
        B,
        "changing the column data type to a narrower one (COPY)",
        "values it writes may no longer fit",
    ),
    Rule("varchar-widen", P, IN, "extending VARCHAR with the same length prefix"),
    Rule(
        "varchar-widen-prefix",
        B,
        B,
        "extending VARCHAR across 255 bytes (1- to 2-byte length prefix)",
    ),
    Rule("make-null", P, P, "making a column NULL"),
    Rule(
        "not-null",
        P,
        P,
        "making a column NOT NULL",
        "it may insert rows without a value, which NOT NULL refuses",
        _NOT_NULL_FIX,
    ),
    Rule("enum-append", IN, IN, "adding ENUM/SET members at the end"),
    Rule(
        "enum-change",
        B,
        B,
        "removing or reordering ENUM/SET members (COPY)",
        "values it writes may no longer be members",
    ),
    Rule("auto-increment-value", P, IN, "changing the auto-increment value"),
    Rule(
        "modify-column",
        B,
        B,
        "MODIFY/CHANGE COLUMN in raw SQL: a type change unless proven otherwise "
        "(use op.alter_column with existing_type so that lint can compare)",
    ),
    # Generated column operations
    Rule("stored-generated-column", B, B, "adding a STORED generated column (COPY)"),
    Rule("virtual-generated-column", IN, IN, "adding a VIRTUAL generated column"),
    # Foreign key operations
    Rule("add-foreign-key", B, B, "adding a foreign key with foreign_key_checks=1 (COPY)"),
    Rule("drop-foreign-key", P, IN, "dropping a foreign key"),
    # CHECK constraints
    Rule(
        "check-constraint",
        B,
        B,
        "adding a CHECK constraint (COPY)",
        "it may write rows the constraint refuses",
    ),
    Rule("drop-check-constraint", IN, IN, "dropping a CHECK constraint"),
    # Table operations
    Rule("rename-table", IN, IN, "renaming a table", "it reads the old name", CONTRACT_LATER),
    Rule("drop-table", N, N, "dropping a table", "it may read the table", CONTRACT_LATER),
    Rule("rebuild-table", P, P, "rebuilding: FORCE, ENGINE=InnoDB, OPTIMIZE TABLE"),
    Rule("change-engine", B, B, "changing the storage engine (COPY)"),
    Rule("row-format", P, P, "changing ROW_FORMAT or KEY_BLOCK_SIZE (rebuilds)"),
    Rule("table-statistics", P, IN, "setting persistent table statistics options"),
    Rule("table-charset", P, IN, "specifying the table's default character set"),
    Rule("convert-charset", B, B, "converting the table's character set (COPY)"),
    # Tablespace and partitioning operations
    Rule(
        "tablespace",
        N,
        N,
        "DISCARD/IMPORT TABLESPACE (takes no ALGORITHM clause)",
        "the table has no data file until IMPORT TABLESPACE: every query on it fails",
        "do not run tablespace maintenance from a revision; a DBA runs it in a window",
    ),
    Rule("partitioning", B, B, "partitioning clauses (PARTITION BY, ADD/DROP PARTITION, ...)"),
    # Whatever the tables above do not name: a DBA reads it before it runs.
    Rule(
        "unrecognised-ddl",
        B,
        B,
        "DDL lint does not recognise: assumed to copy the table",
        fix="check it against the manual's online DDL tables, then declare it in lint_accept",
    ),
    # Data changes
    Rule(
        "full-table-dml",
        N,
        N,
        "an UPDATE or DELETE not bounded to a key range: one transaction locking every row "
        "it scans, and the gaps, until it commits",
        fix=f"backfill in committed batches of keys with {BACKFILL}",
        locks_rows=True,
    ),
]

RULES: dict[str, Rule] = {rule.name: rule for rule in _RULES}
