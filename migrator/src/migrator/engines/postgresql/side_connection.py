"""The server watch's own connection to PostgreSQL: psycopg in autocommit mode, logged in as the
session it watches (a role may always see and cancel its own sessions), every call bounded.

libpq has no read timeout, and keepalives do not notice a stopped server, so each query runs
under a timer that shuts the connection's socket down when it fires: a frozen server is
NoAnswer after TIMEOUT_SECONDS, never a hang.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from typing import Any

import psycopg

from migrator.engines.errors import NoAnswer
from migrator.engines.postgresql.connect import APPLICATION_NAME

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2
MAX_BLOCKERS = 5

_BLOCKERS = """
SELECT a.pid, a.usename, coalesce(host(a.client_addr), 'local'), a.state,
       extract(epoch FROM now() - a.xact_start)::int, left(a.query, 80)
FROM pg_stat_activity a
WHERE a.pid = ANY(pg_blocking_pids(%s))
ORDER BY a.xact_start
LIMIT %s
"""


def parameters_key(params: dict[str, Any]) -> tuple[object, ...]:
    return tuple(str(params.get(key)) for key in ("host", "port", "user", "dbname"))


class PostgresSideConnection:
    def __init__(self, params: dict[str, Any]) -> None:
        self._params = {
            **params,
            "connect_timeout": TIMEOUT_SECONDS,
            "application_name": f"{APPLICATION_NAME} watch",
            "autocommit": True,
        }
        self._connection: psycopg.Connection[Any] | None = None
        self._lock = threading.RLock()  # the watch thread and the main thread take turns

    def connect(self) -> None:
        self._query("SELECT 1")

    def answers(self) -> bool:
        try:
            self._query("SELECT 1")
        except NoAnswer:
            return False
        except psycopg.Error:
            return True  # an error the server sent back is an answer
        return True

    def cancel(self, session_id: int) -> None:
        (cancelled,) = self._query("SELECT pg_cancel_backend(%s)", (int(session_id),))[0]
        if not cancelled:
            raise RuntimeError(f"pg_cancel_backend({int(session_id)}) returned false")

    def running(self, session_id: int) -> str | None:
        rows = self._query(
            "SELECT state, query FROM pg_stat_activity WHERE pid = %s", (int(session_id),)
        )
        if not rows:
            return None
        state, query = rows[0]
        return str(query) if state in ("active", "fastpath function call") else None

    def sees(self, session_id: int) -> bool:
        return bool(
            self._query("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (int(session_id),))
        )

    def blockers(self, session_id: int) -> str | None:
        rows = self._query(_BLOCKERS, (int(session_id), MAX_BLOCKERS))
        if not rows:
            return None
        return "blocked by " + "; ".join(
            f"session {pid} ({user}@{client}, {state} for {age if age is not None else '?'} s"
            f"{'' if query is None else f', last statement {query!r}'})"
            for pid, user, client, state, age, query in rows
        )

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None

    def _query(self, statement: str, args: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = psycopg.connect(**self._params)
                connection = self._connection
                cut = _Cut(connection)
                try:
                    return list(connection.execute(statement, args).fetchall())
                finally:
                    cut.cancel()
            except psycopg.Error as exc:
                broken = self._connection is None or self._connection.closed
                if exc.sqlstate is None or broken:  # the client's own: lost, cut, no login
                    self._close()
                    raise NoAnswer(str(exc).strip().splitlines()[0]) from exc
                raise


class _Cut:
    """Shut the connection's socket down if the query outlasts TIMEOUT_SECONDS."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._handle = socket.socket(fileno=os.dup(connection.fileno()))
        self._timer = threading.Timer(TIMEOUT_SECONDS, self._shut)
        self._timer.daemon = True
        self._timer.start()

    def _shut(self) -> None:
        with contextlib.suppress(OSError):
            self._handle.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()
        self._handle.close()
