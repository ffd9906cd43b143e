"""What the server says, read as root on a connection of its own, opened and closed per look (a
cell that freezes its server must have no look in flight when it does)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.mysql_server import ThrowawayServer


@dataclass(frozen=True)
class Process:
    """A PROCESSLIST row: one server session."""

    id: int
    command: str
    state: str
    info: str | None

    @property
    def running_a_statement(self) -> bool:
        """Running, or being killed, or rolling back: a statement still on the server."""
        return self.info is not None and self.command in ("Query", "Killed", "Execute")


def rows(server: ThrowawayServer, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    connection = server.admin_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, tuple(params))
            return list(cursor.fetchall())
    finally:
        connection.close()


def sessions_running(server: ThrowawayServer, database: str, statement: str) -> list[Process]:
    """The sessions of `database` whose statement in flight is exactly `statement`."""
    found = rows(
        server,
        "SELECT ID, COMMAND, STATE, INFO FROM information_schema.PROCESSLIST "
        "WHERE DB = %s AND INFO = %s",
        (database, statement),
    )
    return [Process(int(i), str(c), str(s or ""), info) for i, c, s, info in found]


def session(server: ThrowawayServer, session_id: int) -> Process | None:
    found = rows(
        server,
        "SELECT ID, COMMAND, STATE, INFO FROM information_schema.PROCESSLIST WHERE ID = %s",
        (session_id,),
    )
    return next((Process(int(i), str(c), str(s or ""), info) for i, c, s, info in found), None)


def sessions_with(server: ThrowawayServer, info_like: str) -> list[Process]:
    found = rows(
        server,
        # Not this look's own session: its INFO matches its own LIKE pattern.
        "SELECT ID, COMMAND, STATE, INFO FROM information_schema.PROCESSLIST "
        "WHERE INFO LIKE %s AND ID <> CONNECTION_ID()",
        (info_like,),
    )
    return [Process(int(i), str(c), str(s or ""), info) for i, c, s, info in found]


def has_table(server: ThrowawayServer, database: str, table: str) -> bool:
    found = rows(
        server,
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
        "AND TABLE_NAME = %s",
        (database, table),
    )
    return int(found[0][0]) > 0


def versions(server: ThrowawayServer, database: str) -> list[str]:
    if not has_table(server, database, "alembic_version"):
        return []
    return [
        str(v) for (v,) in rows(server, f"SELECT version_num FROM `{database}`.alembic_version")
    ]


def count(server: ThrowawayServer, database: str, table: str) -> int:
    return int(rows(server, f"SELECT COUNT(*) FROM `{database}`.`{table}`")[0][0])


def is_mariadb(server: ThrowawayServer) -> bool:
    return "mariadb" in str(rows(server, "SELECT VERSION()")[0][0]).lower()
