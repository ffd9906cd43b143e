"""Every PostgreSQL lint rule, its example run on the real server (harness/postgres_server.py): the
statement runs in a transaction on a table of rows, and what the server did is read before it
commits: the strongest lock the statement holds on the table (pg_locks), and whether the table
was rewritten (pg_class.relfilenode). A CONCURRENTLY statement runs by itself while another
session's open write keeps it waiting, and a third session reads its locks and writes to the
table meanwhile. A rule whose point is the server's refusal gets that SQLSTATE. A rule whose
verdict the server contradicts fails here, as tests/test_lint_oracle.py holds MySQL's rules to
the server's ALGORITHM clauses. Only `unrecognised-ddl` has no example: it is lint's assumption
about what it cannot read, not a verdict."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.rows import TupleRow

from harness.postgres_server import PostgresServer
from migrator.engines.postgresql.lint_catalogue import RULES, Example, Lock, Rule, Work

ROWS = 20_000
# From weakest to strongest, as the manual's conflict table orders them.
STRENGTH = [
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
]
WITH_EXAMPLES = [rule for rule in RULES.values() if rule.example is not None]
WITHOUT_EXAMPLE = {"unrecognised-ddl"}
WAIT_SECONDS = 10.0


@pytest.fixture(scope="module")
def database(postgres_server: PostgresServer) -> Iterator[psycopg.Connection[TupleRow]]:
    name = postgres_server.create_database()
    with postgres_server.admin_connection(name) as connection:
        connection.execute("CREATE TABLE p (id INT PRIMARY KEY)")
        connection.execute("INSERT INTO p SELECT generate_series(1, 1000)")
        connection.execute("SET TimeZone = 'UTC'")
        yield connection
    postgres_server.drop_database(name)


def _fresh_table(connection: psycopg.Connection[TupleRow]) -> None:
    connection.execute("DROP TABLE IF EXISTS t CASCADE")
    connection.execute(
        "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(100), n INT, pid INT, ts TIMESTAMP)"
    )
    connection.execute(
        f"INSERT INTO t SELECT g, 'x', g, 1 + g % 1000, now() FROM generate_series(1, {ROWS}) g"
    )


def _oid(connection: psycopg.Connection[TupleRow]) -> int:
    row = connection.execute("SELECT 't'::regclass::oid").fetchone()
    assert row is not None
    return int(row[0])


def _relfilenode(connection: psycopg.Connection[TupleRow], oid: int) -> int | None:
    """None once the table is gone (DROP TABLE)."""
    row = connection.execute("SELECT relfilenode FROM pg_class WHERE oid = %s", (oid,)).fetchone()
    return int(row[0]) if row is not None else None


def _modes(connection: psycopg.Connection[TupleRow], oid: int, pid: int) -> list[str]:
    found = connection.execute(
        "SELECT mode FROM pg_locks WHERE relation = %s AND pid = %s AND granted", (oid, pid)
    ).fetchall()
    return [str(mode) for (mode,) in found]


def _strongest(modes: list[str]) -> str | None:
    return max(modes, key=STRENGTH.index) if modes else None


def _arranged(connection: psycopg.Connection[TupleRow], rule: Rule) -> int:
    assert rule.example is not None
    _fresh_table(connection)
    for statement in rule.example.setup:
        connection.execute(statement)
    return _oid(connection)


def _observe(connection: psycopg.Connection[TupleRow], rule: Rule) -> tuple[str | None, bool]:
    """The strongest lock the example holds on t, and whether t was rewritten."""
    assert rule.example is not None
    oid = _arranged(connection, rule)
    before = _relfilenode(connection, oid)
    with connection.transaction(force_rollback=True):
        connection.execute(rule.example.statement)
        pid = connection.info.backend_pid
        strongest = _strongest(_modes(connection, oid, pid))
        after = _relfilenode(connection, oid)
    return strongest, after is not None and after != before


def _observe_on_its_own(
    server: PostgresServer, connection: psycopg.Connection[TupleRow], rule: Rule
) -> tuple[str | None, bool, bool]:
    """For a CONCURRENTLY statement: its strongest lock on t while it waits for an open write
    transaction, whether another write went on meanwhile, and whether t was rewritten."""
    assert rule.example is not None
    oid = _arranged(connection, rule)
    before = _relfilenode(connection, oid)
    name = str(connection.info.dbname)
    with (
        server.admin_connection(name) as statement_session,
        server.admin_connection(name) as writer,
        server.admin_connection(name) as other,
    ):
        writer.autocommit = False
        writer.execute("UPDATE t SET n = n WHERE id = 1")  # the statement waits for it
        pid = statement_session.info.backend_pid
        running = threading.Thread(
            target=statement_session.execute, args=(rule.example.statement,), daemon=True
        )
        running.start()
        deadline, strongest = time.monotonic() + WAIT_SECONDS, None
        while strongest is None and time.monotonic() < deadline:
            strongest = _strongest(_modes(other, oid, pid))
            time.sleep(0.05)
        other.execute("SET lock_timeout = '500ms'")
        try:
            other.execute("UPDATE t SET n = n WHERE id = 2")
            wrote = True
        except psycopg.errors.LockNotAvailable:
            wrote = False
        writer.rollback()
        running.join(WAIT_SECONDS)
    after = _relfilenode(connection, oid)
    return strongest, wrote, after is not None and after != before


def test_every_rule_has_an_example_but_lints_own() -> None:
    assert {name for name, rule in RULES.items() if rule.example is None} == WITHOUT_EXAMPLE


@pytest.mark.parametrize("rule", WITH_EXAMPLES, ids=[rule.name for rule in WITH_EXAMPLES])
def test_the_server_takes_the_rules_lock_and_rewrites_only_where_it_says(
    postgres_server: PostgresServer, database: psycopg.Connection[TupleRow], rule: Rule
) -> None:
    assert rule.example is not None
    if rule.example.error is not None:
        with pytest.raises(psycopg.Error) as refused:
            _observe(database, rule)
        assert refused.value.sqlstate == rule.example.error
        return
    if rule.example.own_transaction:
        strongest, wrote, rewritten = _observe_on_its_own(postgres_server, database, rule)
        assert wrote, "a write waited behind a CONCURRENTLY statement"
    else:
        strongest, rewritten = _observe(database, rule)

    # A statement's strongest lock: ROW EXCLUSIVE for DML, the rule's for DDL.
    assert strongest == rule.lock.pg_locks_mode, (strongest, rule.lock)
    assert rewritten == (rule.work is Work.REWRITE), rewritten


def test_every_rule_that_blocks_writes_takes_a_lock_that_conflicts_with_them() -> None:
    for rule in RULES.values():
        if rule.blocks_writes and not rule.locks_rows:
            assert rule.lock.blocks_writes, rule.name
        if rule.lock is Lock.SHARE_UPDATE_EXCLUSIVE:
            assert not rule.blocks_writes, rule.name


def test_a_write_waits_behind_a_blocking_rule_and_not_behind_a_concurrent_one(
    postgres_server: PostgresServer, database: psycopg.Connection[TupleRow]
) -> None:
    name = str(database.info.dbname)
    waited = {}
    for rule_name in ("add-index", "validate-constraint"):
        rule = RULES[rule_name]
        assert rule.example is not None
        _fresh_table(database)
        for statement in rule.example.setup:
            database.execute(statement)
        with database.transaction(force_rollback=True):
            database.execute(rule.example.statement)
            with postgres_server.admin_connection(name) as writer:
                writer.execute("SET lock_timeout = '300ms'")
                try:
                    writer.execute("UPDATE t SET n = n WHERE id = 1")
                    waited[rule_name] = False
                except psycopg.errors.LockNotAvailable:
                    waited[rule_name] = True

    assert waited == {"add-index": True, "validate-constraint": False}


@pytest.mark.parametrize(
    ("setup", "statement"),
    [
        ((), "ALTER TABLE t ALTER COLUMN v TYPE VARCHAR(255)"),
        ((), "ALTER TABLE t ALTER COLUMN v TYPE TEXT"),
        (("ALTER TABLE t ALTER COLUMN v TYPE TEXT",), "ALTER TABLE t ALTER COLUMN v TYPE VARCHAR"),
    ],
    ids=["varchar-widened", "varchar-to-text", "text-to-varchar-without-length"],
)
def test_every_change_lint_calls_binary_coercible_leaves_the_table_as_it_is(
    database: psycopg.Connection[TupleRow], setup: tuple[str, ...], statement: str
) -> None:
    rule = RULES["type-change-no-rewrite"]
    assert rule.example is not None
    variant = Rule(rule.name, rule.lock, rule.work, rule.what, example=Example(statement, setup))

    strongest, rewritten = _observe(database, variant)

    assert (strongest, rewritten) == (rule.lock.pg_locks_mode, False)
