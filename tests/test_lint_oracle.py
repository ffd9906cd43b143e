"""The server is the oracle: each lint rule's example runs on the real server (MariaDB 10.11
here, MySQL 8.4 too in the hosted workflow's matrix), on tables with rows, with an explicit
ALGORITHM, and the server must accept exactly what lint calls non-blocking and refuse what it
calls blocking. Where lint says the build still serving breaks, that build's statement works
before the change and fails after it; where it says a DML statement locks every row, a
concurrent write waits on it."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pymysql
import pytest
from alembic.operations import Operations, ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from migrator.engines.mysql.lint_catalogue import RULES, Verdict
from migrator.engines.mysql.lint_rules import hits_for
from migrator.engines.mysql.statements import split_statements
from tests.support.lint_examples import EXAMPLES, SCHEMA, Example

ER_PARSE_ERROR = 1064
ER_LOCK_WAIT_TIMEOUT = 1205
# "ALGORITHM=... is not supported for this operation", with or without a reason.
REFUSED = {1845, 1846, 4092}
INSTANT = "ALGORITHM=INSTANT"
ONLINE = "ALGORITHM=INPLACE, LOCK=NONE"
Connect = Callable[[], pymysql.connections.Connection]


def test_every_rule_has_an_example_the_server_can_check() -> None:
    by_rule = {example.rule: example for example in EXAMPLES}

    assert set(by_rule) == set(RULES)
    assert len(by_rule) == len(EXAMPLES)  # one example per rule
    for name, example in by_rule.items():
        checked_by_verdict = RULES[name].mysql is not Verdict.NOT_ALTER
        assert checked_by_verdict or example.old_build or example.locks_a_concurrent_write, name
        assert example.old_build or not RULES[name].breaks, f"{name}: what breaks, unchecked"


@pytest.fixture
def connect(mysql_url: str) -> Iterator[Connect]:
    engine = create_engine(mysql_url)
    opened = []

    def new_connection() -> pymysql.connections.Connection:
        pooled = engine.raw_connection()
        opened.append(pooled)
        connection = pooled.driver_connection
        assert isinstance(connection, pymysql.connections.Connection)
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'")
        return connection

    yield new_connection
    for connection in opened:
        connection.close()
    engine.dispose()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.rule)
def test_the_server_agrees_with_lint(example: Example, connect: Connect) -> None:
    rule = RULES[example.rule]
    connection = connect()
    mariadb = "mariadb" in _one(connection, "SELECT VERSION()").lower()
    for statement in (*SCHEMA, *example.setup):
        _run(connection, statement)
    connection.commit()
    (change,) = _render(example.change, "mariadb" if mariadb else "mysql")
    if example.old_build:
        _run(connection, example.old_build)  # the old build works before the change ...
        connection.rollback()

    assert example.rule in [name for name, _ in hits_for(example.change)]
    verdict = rule.verdict_for(mariadb)
    if verdict is Verdict.INSTANT:
        _run(connection, _with_clause(change, INSTANT))
    elif verdict is Verdict.INPLACE:
        assert _refusal(connection, _with_clause(change, INSTANT)) in REFUSED, change
        _run(connection, _with_clause(change, ONLINE))
    elif verdict is Verdict.BLOCKING:
        assert _refusal(connection, _with_clause(change, ONLINE)) in REFUSED, change
        _run(connection, change)  # ... and the server does run it, with a copy or a lock
    elif example.locks_a_concurrent_write:
        _run(connection, change)  # an open transaction, holding its row locks
        writer = connect()
        _run(writer, "SET SESSION innodb_lock_wait_timeout = 1")
        assert _refusal(writer, example.locks_a_concurrent_write) == ER_LOCK_WAIT_TIMEOUT
        connection.rollback()
    else:
        _run(connection, change)
    if example.old_build:
        assert _refusal(connection, example.old_build) not in (None, ER_PARSE_ERROR)


def _render(operation: ops.MigrateOperation, dialect: str) -> list[str]:
    """The SQL the migrator would run for `operation` on this server."""
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name=dialect,
        opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True},
    )
    Operations(context).invoke(operation)
    return [statement.text for statement in split_statements(buffer.getvalue())]


def _with_clause(sql: str, clause: str) -> str:
    """`sql` with an explicit ALGORITHM (and LOCK): first among an ALTER TABLE's options (a
    partitioning clause follows without a comma), last in CREATE INDEX."""
    (statement,) = split_statements(sql)
    words = statement.words
    if words[:2] == ["DROP", "INDEX"]:  # MariaDB's DROP INDEX takes no ALGORITHM: the same as
        return f"ALTER TABLE {words[4]} {clause}, DROP INDEX {words[2]}"  # an ALTER's DROP INDEX
    if words[:2] != ["ALTER", "TABLE"]:
        return f"{sql} {clause.replace(',', '')}"
    table_end = statement.tokens[2].end + 1
    rest = sql[table_end:].lstrip()
    separator = " " if words[3] == "PARTITION" else ", "
    return f"{sql[:table_end]} {clause}{separator}{rest}"


def _run(connection: pymysql.connections.Connection, sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _one(connection: pymysql.connections.Connection, sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return str(cursor.fetchone()[0])


def _refusal(connection: pymysql.connections.Connection, sql: str) -> int | None:
    """The server's error code for `sql`, or None when it ran."""
    try:
        _run(connection, sql)
    except pymysql.MySQLError as exc:
        return int(exc.args[0])
    return None
