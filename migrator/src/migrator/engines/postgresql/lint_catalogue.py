"""Every rule `migrate lint` knows on PostgreSQL: the lock a statement takes on its table and the
work it does under it (catalog only, a scan, an index build, a table rewrite), and what breaks
the build still serving during a rolling deploy.

From the manual (13 to 17): "Explicit Locking" (the lock each command takes and the conflict
table), ALTER TABLE's notes (which forms rewrite the table; SET NOT NULL's scan and its skip
when a validated CHECK proves it, 12+; ADD COLUMN with a non-volatile default is catalog-only,
11+), CREATE INDEX's "Building Indexes Concurrently", ALTER TYPE ADD VALUE. The verdicts are
not taken on trust: tests/engines/postgresql/test_lint_oracle.py runs each rule's example on a
table with rows on the real server, and reads the locks the statement holds (pg_locks) and
whether the table was rewritten (pg_class.relfilenode).

A brief ACCESS EXCLUSIVE for a catalog-only change is no finding: the runner bounds its wait by
lock_timeout (migrator.engines.postgresql.lock_wait), so the queue behind it lasts at most that.
A lock that blocks writes held while the table is scanned, rewritten or indexed is one.
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
CONCURRENTLY_FIX = (
    "build it with postgresql_concurrently=True inside "
    "`with op.get_context().autocommit_block():` (a failed build leaves an INVALID index: "
    "the runner names it)"
)
NOT_VALID_FIX = (
    "add it NOT VALID (postgresql_not_valid=True), then VALIDATE CONSTRAINT in an autocommit "
    "block or a later revision: the check then scans under SHARE UPDATE EXCLUSIVE, writes go on"
)


class Lock(enum.Enum):
    """The table lock a statement takes, as the manual's table-level lock modes name them."""

    NONE = "no table lock"
    ROW_EXCLUSIVE = "ROW EXCLUSIVE"
    SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"
    SHARE = "SHARE"
    SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
    ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"

    @property
    def blocks_writes(self) -> bool:
        """Conflicts with the ROW EXCLUSIVE every INSERT, UPDATE and DELETE takes."""
        return self in (Lock.SHARE, Lock.SHARE_ROW_EXCLUSIVE, Lock.ACCESS_EXCLUSIVE)

    @property
    def pg_locks_mode(self) -> str | None:
        """The mode as pg_locks shows it."""
        if self is Lock.NONE:
            return None
        return "".join(word.capitalize() for word in self.value.split()) + "Lock"


class Work(enum.Enum):
    CATALOG = "catalog only"
    SCAN = "a scan of every row"
    BUILD = "an index build"
    REWRITE = "a rewrite of the table and its indexes"


@dataclass(frozen=True)
class Example:
    """What the oracle runs on a table t (id, v VARCHAR(100), n INT, pid INT, ts TIMESTAMP) of
    rows, with a table p(id) they refer to: `setup`, then `statement` in a transaction whose
    locks it reads; an `own_transaction` statement (CONCURRENTLY) runs by itself while another
    session's open write keeps it waiting, and its locks are read from a third. `error`: the
    SQLSTATE the server answers instead, which is the rule's point."""

    statement: str
    setup: tuple[str, ...] = ()
    own_transaction: bool = False
    error: str | None = None


@dataclass(frozen=True)
class Rule:
    name: str
    lock: Lock
    work: Work
    what: str
    breaks: str = ""
    fix: str = EXPAND_CONTRACT
    locks_rows: bool = False
    fails: str = ""  # how the revision fails on the server, when it does
    example: Example | None = None
    # A write-blocking lock held briefly, but on every table whose queue behind it matters.
    waits: bool = False

    @property
    def blocks_writes(self) -> bool:
        if self.locks_rows:
            return True
        return self.lock.blocks_writes and (self.work is not Work.CATALOG or self.waits)

    def describe_verdict(self) -> str:
        return f"{self.work.value} under {self.lock.value} on PostgreSQL"

    def verdicts(self) -> dict[str, str]:
        return {"postgresql": f"{self.lock.value}, {self.work.value}"}


_INSERT_REFUSED = "the build still serving inserts rows without it, which the database refuses"
_NOT_NULL_FIX = (
    f"add it nullable, backfill with {BACKFILL}, add CHECK (col IS NOT NULL) NOT VALID and "
    "VALIDATE it, then SET NOT NULL in a later release (12+ skips the scan: the CHECK proves it)"
)
_UNIQUE = "the build still serving may insert duplicates, which then fail"
_UNIQUE_FIX = (
    "CREATE UNIQUE INDEX CONCURRENTLY in an autocommit block, then ADD CONSTRAINT ... UNIQUE "
    "USING INDEX (catalog only)"
)
AE, SUE, S, SRE = (
    Lock.ACCESS_EXCLUSIVE,
    Lock.SHARE_UPDATE_EXCLUSIVE,
    Lock.SHARE,
    Lock.SHARE_ROW_EXCLUSIVE,
)
CAT, SCAN, BUILD, REWRITE = Work.CATALOG, Work.SCAN, Work.BUILD, Work.REWRITE

_RULES = [
    # Columns
    Rule(
        "add-column",
        AE,
        CAT,
        "adding a nullable column, or one with a constant or stable default (11+)",
        example=Example("ALTER TABLE t ADD COLUMN a INT DEFAULT 5"),
    ),
    Rule(
        "add-column-volatile-default",
        AE,
        REWRITE,
        "adding a column whose default is volatile (gen_random_uuid(), random(), "
        "clock_timestamp()): every row gets its own value",
        fix=f"add it without a default, set the default, then backfill with {BACKFILL}",
        example=Example("ALTER TABLE t ADD COLUMN a UUID DEFAULT gen_random_uuid()"),
    ),
    Rule(
        "not-null-without-default",
        AE,
        CAT,
        "adding a NOT NULL column without a server default",
        _INSERT_REFUSED,
        _NOT_NULL_FIX,
        example=Example("ALTER TABLE t ADD COLUMN a INT NOT NULL", error="23502"),
    ),
    Rule(
        "type-change",
        AE,
        REWRITE,
        "changing a column's type to one that is not binary coercible (INTEGER to BIGINT, an "
        "enum swapped USING col::text::new, VARCHAR to VARCHAR(n))",
        example=Example("ALTER TABLE t ALTER COLUMN n TYPE BIGINT"),
    ),
    Rule(
        "type-change-no-rewrite",
        AE,
        CAT,
        "widening VARCHAR(n), VARCHAR to TEXT, TEXT to VARCHAR without a length: binary "
        "coercible, so the table is not rewritten",
        example=Example("ALTER TABLE t ALTER COLUMN v TYPE VARCHAR(255)"),
    ),
    Rule(
        "narrowing-type",
        AE,
        REWRITE,
        "changing a column's type to a narrower one (the table is rewritten, every value checked)",
        "values it writes may no longer fit",
        example=Example("ALTER TABLE t ALTER COLUMN v TYPE VARCHAR(50)"),
    ),
    Rule(
        "not-null",
        AE,
        SCAN,
        "SET NOT NULL: every row is checked under ACCESS EXCLUSIVE (12+: skipped when a "
        "validated CHECK (col IS NOT NULL) proves it)",
        "it may insert rows without a value, which NOT NULL refuses",
        _NOT_NULL_FIX,
        example=Example("ALTER TABLE t ALTER COLUMN n SET NOT NULL"),
    ),
    Rule(
        "make-null",
        AE,
        CAT,
        "DROP NOT NULL",
        example=Example(
            "ALTER TABLE t ALTER COLUMN n DROP NOT NULL",
            ("ALTER TABLE t ALTER COLUMN n SET NOT NULL",),
        ),
    ),
    Rule(
        "set-default",
        AE,
        CAT,
        "setting a column default",
        example=Example("ALTER TABLE t ALTER COLUMN n SET DEFAULT 0"),
    ),
    Rule(
        "drop-default",
        AE,
        CAT,
        "dropping a column default",
        "on a NOT NULL column, its inserts that leave the column out fail (23502)",
        "keep the default until every running build writes the column",
        example=Example(
            "ALTER TABLE t ALTER COLUMN n DROP DEFAULT",
            ("ALTER TABLE t ALTER COLUMN n SET DEFAULT 0",),
        ),
    ),
    Rule(
        "drop-column",
        AE,
        CAT,
        "dropping a column",
        "it may read the column",
        CONTRACT_LATER,
        example=Example("ALTER TABLE t DROP COLUMN v"),
    ),
    Rule(
        "rename-column",
        AE,
        CAT,
        "renaming a column",
        "it reads the old name",
        CONTRACT_LATER,
        example=Example("ALTER TABLE t RENAME COLUMN v TO w"),
    ),
    Rule(
        "enum-append",
        Lock.NONE,
        CAT,
        "ALTER TYPE ... ADD VALUE (the type's lock, none on the tables that use it)",
        example=Example(
            "ALTER TYPE t_kind ADD VALUE 'b'",
            ("CREATE TYPE t_kind AS ENUM ('a')", "ALTER TABLE t ADD COLUMN kind t_kind"),
        ),
    ),
    # Indexes
    Rule(
        "add-index",
        S,
        BUILD,
        "CREATE INDEX without CONCURRENTLY: SHARE blocks every write while it builds",
        fix=CONCURRENTLY_FIX,
        example=Example("CREATE INDEX ix_t_n ON t (n)"),
    ),
    Rule(
        "unique-index",
        S,
        BUILD,
        "CREATE UNIQUE INDEX without CONCURRENTLY",
        _UNIQUE,
        CONCURRENTLY_FIX,
        example=Example("CREATE UNIQUE INDEX ux_t_n ON t (n)"),
    ),
    Rule(
        "add-index-concurrently",
        SUE,
        BUILD,
        "CREATE INDEX CONCURRENTLY in an autocommit block (waits for older transactions; "
        "blocks no reads or writes)",
        example=Example("CREATE INDEX CONCURRENTLY ix_t_n ON t (n)", own_transaction=True),
    ),
    Rule(
        "unique-index-concurrently",
        SUE,
        BUILD,
        "CREATE UNIQUE INDEX CONCURRENTLY in an autocommit block",
        _UNIQUE,
        "deploy code that never writes duplicates first; then add the index in a later release "
        "and declare it in lint_accept",
        example=Example("CREATE UNIQUE INDEX CONCURRENTLY ux_t_n ON t (n)", own_transaction=True),
    ),
    Rule(
        "concurrently-in-transaction",
        Lock.NONE,
        CAT,
        "a CONCURRENTLY statement inside the revision's transaction",
        fails="PostgreSQL refuses it there (25001: cannot run inside a transaction block)",
        fix="run it inside `with op.get_context().autocommit_block():`",
        example=Example("CREATE INDEX CONCURRENTLY ix_t_n ON t (n)", error="25001"),
    ),
    Rule(
        "drop-index",
        AE,
        CAT,
        "DROP INDEX without CONCURRENTLY: ACCESS EXCLUSIVE on the table, which waits for every "
        "transaction using it while the table's reads and writes queue behind it",
        fix="DROP INDEX CONCURRENTLY (postgresql_concurrently=True) in an autocommit block",
        example=Example("DROP INDEX ix_t_n", ("CREATE INDEX ix_t_n ON t (n)",)),
        waits=True,
    ),
    Rule(
        "drop-index-concurrently",
        SUE,
        CAT,
        "DROP INDEX CONCURRENTLY in an autocommit block",
        example=Example(
            "DROP INDEX CONCURRENTLY ix_t_n",
            ("CREATE INDEX ix_t_n ON t (n)",),
            own_transaction=True,
        ),
    ),
    Rule(
        "reindex",
        S,
        BUILD,
        "REINDEX without CONCURRENTLY (CONCURRENTLY: 12+; on a partitioned table 14+)",
        fix="REINDEX ... CONCURRENTLY in an autocommit block",
        example=Example("REINDEX INDEX ix_t_n", ("CREATE INDEX ix_t_n ON t (n)",)),
    ),
    # Constraints
    Rule(
        "add-foreign-key",
        SRE,
        SCAN,
        "adding a foreign key without NOT VALID: SHARE ROW EXCLUSIVE on both tables while "
        "every row is checked",
        fix=NOT_VALID_FIX,
        example=Example("ALTER TABLE t ADD CONSTRAINT fk_t_p FOREIGN KEY (pid) REFERENCES p (id)"),
    ),
    Rule(
        "add-foreign-key-not-valid",
        SRE,
        CAT,
        "adding a foreign key NOT VALID (new rows are checked; the old ones by VALIDATE)",
        example=Example(
            "ALTER TABLE t ADD CONSTRAINT fk_t_p FOREIGN KEY (pid) REFERENCES p (id) NOT VALID"
        ),
    ),
    Rule(
        "validate-constraint",
        SUE,
        SCAN,
        "VALIDATE CONSTRAINT: scans under SHARE UPDATE EXCLUSIVE, writes go on",
        example=Example(
            "ALTER TABLE t VALIDATE CONSTRAINT fk_t_p",
            ("ALTER TABLE t ADD CONSTRAINT fk_t_p FOREIGN KEY (pid) REFERENCES p (id) NOT VALID",),
        ),
    ),
    Rule(
        "validate-in-same-transaction",
        AE,
        SCAN,
        "VALIDATE CONSTRAINT in the transaction that added the constraint NOT VALID: the ADD's "
        "lock is still held while VALIDATE scans every row",
        fix="VALIDATE in an autocommit block, or in a later revision",
        example=Example(
            "ALTER TABLE t ADD CONSTRAINT ck_t_n CHECK (n > 0) NOT VALID; "
            "ALTER TABLE t VALIDATE CONSTRAINT ck_t_n"
        ),
    ),
    Rule(
        "check-constraint",
        AE,
        SCAN,
        "adding a CHECK constraint without NOT VALID: every row checked under ACCESS EXCLUSIVE",
        "it may write rows the constraint refuses",
        NOT_VALID_FIX,
        example=Example("ALTER TABLE t ADD CONSTRAINT ck_t_n CHECK (n > 0)"),
    ),
    Rule(
        "check-constraint-not-valid",
        AE,
        CAT,
        "adding a CHECK constraint NOT VALID",
        "it may write rows the constraint refuses",
        "deploy code that writes only valid rows first; declare it in lint_accept",
        example=Example("ALTER TABLE t ADD CONSTRAINT ck_t_n CHECK (n > 0) NOT VALID"),
    ),
    Rule(
        "unique-constraint",
        AE,
        BUILD,
        "ADD UNIQUE or PRIMARY KEY: its index is built under ACCESS EXCLUSIVE",
        _UNIQUE,
        _UNIQUE_FIX,
        example=Example("ALTER TABLE t ADD CONSTRAINT uq_t_n UNIQUE (n)"),
    ),
    Rule(
        "constraint-using-index",
        AE,
        CAT,
        "ADD CONSTRAINT ... UNIQUE/PRIMARY KEY USING INDEX (an index built beforehand)",
        example=Example(
            "ALTER TABLE t ADD CONSTRAINT ux_t_n UNIQUE USING INDEX ux_t_n",
            ("CREATE UNIQUE INDEX ux_t_n ON t (n)",),
        ),
    ),
    Rule(
        "drop-constraint",
        AE,
        CAT,
        "dropping a constraint",
        example=Example(
            "ALTER TABLE t DROP CONSTRAINT ck_t_n",
            ("ALTER TABLE t ADD CONSTRAINT ck_t_n CHECK (n > 0)",),
        ),
    ),
    # Tables
    Rule(
        "rename-table",
        AE,
        CAT,
        "renaming a table",
        "it reads the old name",
        CONTRACT_LATER,
        example=Example("ALTER TABLE t RENAME TO t_renamed"),
    ),
    Rule(
        "drop-table",
        AE,
        CAT,
        "dropping a table",
        "it may read the table",
        CONTRACT_LATER,
        example=Example("DROP TABLE t"),
    ),
    Rule(
        "rewrite-table",
        AE,
        REWRITE,
        "VACUUM FULL or CLUSTER: the table rewritten under ACCESS EXCLUSIVE",
        fix="pg_repack (no ACCESS EXCLUSIVE but for a moment), run by a DBA, not a revision",
        example=Example("CLUSTER t USING t_pkey"),
    ),
    # What the rules above do not name: a person reads it before it runs. Lint's own, as
    # unreadable-revision is: an assumption, not a verdict, so it has no example.
    Rule(
        "unrecognised-ddl",
        AE,
        REWRITE,
        "DDL lint does not recognise: assumed to rewrite the table under ACCESS EXCLUSIVE",
        fix="check it against the manual's ALTER TABLE notes, then declare it in lint_accept",
    ),
    # Data changes
    Rule(
        "full-table-dml",
        Lock.ROW_EXCLUSIVE,
        SCAN,
        "an UPDATE or DELETE not bounded to a key range inside the revision's transaction: "
        "every row it touches stays locked until the revision commits",
        fix=f"backfill in committed batches of keys with {BACKFILL}",
        locks_rows=True,
        example=Example("UPDATE t SET n = n + 1"),
    ),
]
RULES = {rule.name: rule for rule in _RULES}
UNREADABLE_REVISION = Rule(
    "unreadable-revision",
    Lock.NONE,
    CAT,
    "lint could not read this part of the revision, so what it does is unchecked",
    fix=(
        "make upgrade() run in Alembic's offline mode (upgrade --sql), which reads no rows back "
        "through op.get_bind(); or review the revision by hand and declare it in lint_accept"
    ),
)
