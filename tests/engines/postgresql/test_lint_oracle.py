"""Every PostgreSQL lint rule with an example, run on the real server (harness/postgres_server.py):
the statement runs in a transaction on a table of rows, and what the server did is read before
it commits: the strongest lock the statement holds on the table (pg_locks), and whether the
table was rewritten (pg_class.relfilenode). A rule whose verdict the server contradicts fails
here, as tests/test_lint_oracle.py holds MySQL's rules to the server's ALGORITHM clauses."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg.rows import TupleRow

from harness.postgres_server import PostgresServer
from migrator.engines.postgresql.lint_catalogue import RULES, Lock, Rule, Work

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


def _relfilenode(connection: psycopg.Connection[TupleRow]) -> int:
    row = connection.execute("SELECT relfilenode FROM pg_class WHERE relname = 't'").fetchone()
    assert row is not None
    return int(row[0])


def _observe(connection: psycopg.Connection[TupleRow], rule: Rule) -> tuple[str | None, bool]:
    """The strongest lock the example holds on t, and whether t was rewritten."""
    assert rule.example is not None
    _fresh_table(connection)
    for statement in rule.example.setup:
        connection.execute(statement)
    before = _relfilenode(connection)
    with connection.transaction(force_rollback=True):
        connection.execute(rule.example.statement)
        modes = [
            str(mode)
            for (mode,) in connection.execute(
                "SELECT l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE l.pid = pg_backend_pid() AND c.relname = 't'"
            ).fetchall()
        ]
        rewritten = _relfilenode(connection) != before
    strongest = max(modes, key=STRENGTH.index) if modes else None
    return strongest, rewritten


@pytest.mark.parametrize("rule", WITH_EXAMPLES, ids=[rule.name for rule in WITH_EXAMPLES])
def test_the_server_takes_the_rules_lock_and_rewrites_only_where_it_says(
    database: psycopg.Connection[TupleRow], rule: Rule
) -> None:
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
