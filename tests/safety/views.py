"""What the server says, read as its superuser on a connection of its own, opened and closed per
look (a cell that freezes its server must have no look in flight when it does): MySQL's
PROCESSLIST and information_schema, PostgreSQL's pg_stat_activity and catalogs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.mysql_server import ThrowawayServer
from harness.postgres_server import PostgresServer

Server = ThrowawayServer | PostgresServer

_PG_SESSIONS = "SELECT pid, state, coalesce(wait_event_type, ''), query FROM pg_stat_activity"
_MYSQL_SESSIONS = "SELECT ID, COMMAND, STATE, INFO FROM information_schema.PROCESSLIST"


@dataclass(frozen=True)
class Process:
    """One server session: a PROCESSLIST row, or a pg_stat_activity row."""

    id: int
    command: str  # PROCESSLIST's COMMAND; pg_stat_activity's state
    state: str
    info: str | None  # the statement (PostgreSQL: the latest, which may have ended)

    @property
    def running_a_statement(self) -> bool:
        """Running, or being killed, or rolling back: a statement still on the server."""
        if self.command in ("active", "fastpath function call"):
            return True
        return self.info is not None and self.command in ("Query", "Killed", "Execute")


def rows(
    server: Server, sql: str, params: Sequence[Any] = (), database: str | None = None
) -> list[tuple[Any, ...]]:
    """On PostgreSQL in `database` (its tables live in one database); MySQL sees them all."""
    connection = (
        server.admin_connection(database)
        if isinstance(server, PostgresServer)
        else server.admin_connection()
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, tuple(params))
            return list(cursor.fetchall())
    finally:
        connection.close()


def _processes(found: list[tuple[Any, ...]]) -> list[Process]:
    return [Process(int(i), str(c), str(s or ""), info) for i, c, s, info in found]


def sessions_running(server: Server, database: str, statement: str) -> list[Process]:
    """The sessions of `database` whose statement in flight is exactly `statement`."""
    if isinstance(server, PostgresServer):
        sql = f"{_PG_SESSIONS} WHERE datname = %s AND query = %s AND state = 'active'"
    else:
        sql = f"{_MYSQL_SESSIONS} WHERE DB = %s AND INFO = %s"
    return _processes(rows(server, sql, (database, statement)))


def session(server: Server, session_id: int) -> Process | None:
    if isinstance(server, PostgresServer):
        sql = f"{_PG_SESSIONS} WHERE pid = %s"
    else:
        sql = f"{_MYSQL_SESSIONS} WHERE ID = %s"
    return next(iter(_processes(rows(server, sql, (session_id,)))), None)


def sessions_with(server: Server, info_like: str) -> list[Process]:
    """Sessions whose statement is LIKE `info_like` (PostgreSQL: their latest, running or not)."""
    # Not this look's own session: its statement matches its own LIKE pattern.
    if isinstance(server, PostgresServer):
        sql = f"{_PG_SESSIONS} WHERE query LIKE %s AND pid <> pg_backend_pid()"
    else:
        sql = f"{_MYSQL_SESSIONS} WHERE INFO LIKE %s AND ID <> CONNECTION_ID()"
    return _processes(rows(server, sql, (info_like,)))


def has_table(server: Server, database: str, table: str) -> bool:
    if isinstance(server, PostgresServer):
        found = rows(server, "SELECT to_regclass(%s) IS NOT NULL", (table,), database)
        return bool(found[0][0])
    found = rows(
        server,
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
        "AND TABLE_NAME = %s",
        (database, table),
    )
    return int(found[0][0]) > 0


def select_from(server: Server, database: str, table: str, what: str) -> list[tuple[Any, ...]]:
    """SELECT `what` FROM `table` of `database`."""
    if isinstance(server, PostgresServer):
        return rows(server, f'SELECT {what} FROM "{table}"', database=database)
    return rows(server, f"SELECT {what} FROM `{database}`.`{table}`")


def versions(server: Server, database: str) -> list[str]:
    if not has_table(server, database, "alembic_version"):
        return []
    return [str(v) for (v,) in select_from(server, database, "alembic_version", "version_num")]


def count(server: Server, database: str, table: str) -> int:
    return int(select_from(server, database, table, "COUNT(*)")[0][0])


def is_mariadb(server: Server) -> bool:
    if isinstance(server, PostgresServer):
        return False
    return "mariadb" in str(rows(server, "SELECT VERSION()")[0][0]).lower()
