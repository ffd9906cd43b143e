"""The server watch's own connection to MySQL/MariaDB: a plain PyMySQL connection, bounded in
every read, made from the same connect parameters as the session it watches (so it logs in as
the same user, who may always see and cancel that user's own sessions).

It asks three things: does the server answer, cancel that session's statement (KILL QUERY),
and is that statement still running there (information_schema.PROCESSLIST).
"""

from __future__ import annotations

import inspect
import logging
import threading
from typing import Any

import pymysql

from migrator.engines.errors import NoAnswer
from migrator.engines.mysql import pymysql_tls

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2
# What a PyMySQL connection accepts: aiomysql's parameters are nearly the same, and SQLAlchemy's
# URL query may carry keys only it reads; anything else is dropped, never a TypeError.
_ACCEPTED = frozenset(inspect.signature(pymysql.connections.Connection.__init__).parameters)
_SESSION_ONLY = ("cursorclass", "init_command", "defer_connect", "autocommit", "conv")


def side_parameters(cparams: dict[str, Any]) -> dict[str, Any]:
    params = {
        key: value
        for key, value in cparams.items()
        if key in _ACCEPTED and key not in _SESSION_ONLY and key != "self"
    }
    return {
        **params,
        "connect_timeout": TIMEOUT_SECONDS,
        "read_timeout": TIMEOUT_SECONDS,
        "write_timeout": TIMEOUT_SECONDS,
        "autocommit": True,
    }


def parameters_key(cparams: dict[str, Any]) -> tuple[object, ...]:
    """Which sessions one side connection serves: same server, same login."""
    return tuple(
        str(cparams.get(key)) for key in ("host", "port", "unix_socket", "user", "database", "db")
    )


class MysqlSideConnection:
    def __init__(self, cparams: dict[str, Any]) -> None:
        self._params = side_parameters(cparams)
        self._connection: pymysql.connections.Connection | None = None
        # The watch thread pings while the main thread checks each new session it serves: a
        # PyMySQL connection is one conversation at a time (else "Packet sequence number wrong").
        self._lock = threading.RLock()

    def connect(self) -> None:
        """Eagerly, before anything is run that it may have to cancel."""
        try:
            self._query("SELECT 1")
        except pymysql.err.Error as exc:
            raise NoAnswer(str(exc)) from exc

    def answers(self) -> bool:
        """Whether the server answers at all: an error it sends back (too many connections,
        for one) is an answer too."""
        try:
            self._query("SELECT 1")
        except NoAnswer:
            return False
        except pymysql.err.Error:
            return True
        return True

    def cancel(self, session_id: int) -> None:
        """KILL QUERY: the server stops the session's statement and rolls it back."""
        self._query(f"KILL QUERY {int(session_id)}")

    def running(self, session_id: int) -> str | None:
        """The statement the session runs now (None: idle, or the session is gone)."""
        rows = self._query(
            "SELECT COMMAND, INFO FROM information_schema.PROCESSLIST WHERE ID = %s",
            (int(session_id),),
        )
        if not rows:
            return None
        command, info = rows[0]
        return None if command == "Sleep" or info is None else str(info)

    def sees(self, session_id: int) -> bool:
        rows = self._query(
            "SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = %s", (int(session_id),)
        )
        return bool(rows)

    def blockers(self, session_id: int) -> str | None:
        # Named once the wait timed out, from the table's metadata locks
        # (migrator.engines.mysql.lock_wait_log): MySQL shows no waits-for graph of a session.
        return None

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except pymysql.err.Error:
                log.debug("closing the side connection failed", exc_info=True)
            self._connection = None

    def _query(self, statement: str, args: tuple[Any, ...] | None = None) -> tuple[Any, ...]:
        """Run one statement; NoAnswer when the server is silent or refuses the login. An error
        the server sends back for the statement itself is raised as PyMySQL's."""
        with self._lock:
            return self._query_unlocked(statement, args)

    def _query_unlocked(self, statement: str, args: tuple[Any, ...] | None) -> tuple[Any, ...]:
        try:
            if self._connection is None:
                self._connection = pymysql_tls.Connection(**self._params)
            with self._connection.cursor() as cursor:
                cursor.execute(statement, args)
                return tuple(cursor.fetchall())
        except pymysql.err.Error as exc:
            if self._connection is not None and not self._connection.open:
                self.close()
            if _is_client_error(exc):
                self.close()
                raise NoAnswer(str(exc)) from exc
            raise
        except OSError as exc:
            self.close()
            raise NoAnswer(str(exc)) from exc


def _is_client_error(exc: BaseException) -> bool:
    """2000-2999 are the client's own errors (lost connection, timeout): no answer."""
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    return code is None or 2000 <= code < 3000
