"""A second connection beside the DDL session, alive while revisions run.

The DDL session has no client read timeout (a long ALTER must never be cut by the client), so
on its own it would wait for a frozen server (SIGSTOP, a network partition) until TCP gives up.
While a statement runs, this watch checks every few seconds that the server still answers; after
MIGRATOR_SERVER_SILENCE_TIMEOUT without any answer it cuts the DDL socket, and the statement's
read fails at once (exit 12; the statement may still complete on the server). A statement that
simply runs long on a server that answers is never touched.

On SIGTERM/SIGINT it cancels the running statement on the server (KILL QUERY: the server rolls
it back), and cuts the socket if the server does not end it within CANCEL_GRACE_SECONDS.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from core.db import create_db_engine, is_sqlite
from core.settings import Settings
from migrator.keepalive import ddl_socket
from migrator.signals import termination_requested
from migrator.statement_observer import StatementObserver, shorten

log = logging.getLogger(__name__)

TICK_SECONDS = 0.2
CANCEL_GRACE_SECONDS = 3.0
PING_TIMEOUT_SECONDS = 3


class ServerWatch:
    def __init__(
        self, settings: Settings, observer: StatementObserver, connection: Connection
    ) -> None:
        self.observer = observer
        # SQLite is a file on this host: nothing to freeze, nothing to cancel from elsewhere.
        self.enabled = not is_sqlite(connection.engine.url)
        dbapi_connection: Any = connection.connection.dbapi_connection
        self.ddl_connection_id = int(dbapi_connection.thread_id()) if self.enabled else 0
        self.ddl_socket = ddl_socket(connection)
        self.silence_timeout = settings.migrator_server_silence_timeout
        self.ping_every = min(5.0, self.silence_timeout / 4)
        self.engine: Engine = create_db_engine(
            settings,
            pooled=False,
            mysql_connect_args={
                "read_timeout": PING_TIMEOUT_SECONDS,
                "write_timeout": PING_TIMEOUT_SECONDS,
            },
        )
        self.silent_for: float | None = None  # set when the watch cut the socket for silence
        self.cancelled = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="server-watch", daemon=True)
        self._connection: Any = None
        self._last_answer = time.monotonic()
        self._last_ping = 0.0
        self._cancel_sent_at: float | None = None

    def __enter__(self) -> ServerWatch:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self.enabled:
            self._thread.join(timeout=PING_TIMEOUT_SECONDS + 1)
        self._close()
        self.engine.dispose()

    def _run(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            running_since = self.observer.running_since
            now = time.monotonic()
            if running_since is None:
                self._last_answer = now  # nothing in flight: nothing to wait for
                continue
            if termination_requested() is not None:
                self._cancel(now)
                continue
            if now - self._last_ping >= self.ping_every:
                self._last_ping = now
                if self._answers():
                    self._last_answer = time.monotonic()
            silent = time.monotonic() - max(self._last_answer, running_since)
            if silent >= self.silence_timeout:
                self.silent_for = silent
                log.error(
                    "the server has answered nothing for %.0f s (MIGRATOR_SERVER_SILENCE_TIMEOUT"
                    "=%g) while %r ran: giving up on it; it may still complete on the server",
                    silent,
                    self.silence_timeout,
                    shorten(self.observer.running or ""),
                )
                self._cut()
                return

    def _cancel(self, now: float) -> None:
        if self._cancel_sent_at is None:
            self._cancel_sent_at = now
            statement = shorten(self.observer.running or "")
            if self._execute(f"KILL QUERY {int(self.ddl_connection_id)}"):
                self.cancelled = True
                log.warning("cancelled on the server: %r", statement)
            else:
                log.error("could not cancel %r on the server; closing its connection", statement)
                self._cut()
        elif now - self._cancel_sent_at >= CANCEL_GRACE_SECONDS:
            self._cut()

    def _answers(self) -> bool:
        return self._execute("SELECT 1")

    def _execute(self, statement: str) -> bool:
        """Run one statement on the watch's own connection; False when the server is silent.
        An error the server sends back is an answer too."""
        try:
            if self._connection is None:
                self._connection = self.engine.connect()
            self._connection.execute(text(statement))
            self._connection.rollback()
            return True
        except DBAPIError as exc:
            if exc.connection_invalidated or exc.orig is None or _is_client_error(exc.orig):
                self._close()
                return False
            return True

    def _cut(self) -> None:
        if self.ddl_socket is None:
            return
        try:
            self.ddl_socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            log.debug("the DDL socket was already closed", exc_info=True)

    def _close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()
                self._connection.close()
            except Exception:
                log.debug("closing the watch connection failed", exc_info=True)
            self._connection = None


def _is_client_error(orig: BaseException) -> bool:
    """2000-2999 are the client's own errors (lost connection, timeout): no answer."""
    code = orig.args[0] if orig.args and isinstance(orig.args[0], int) else None
    return code is None or 2000 <= code < 3000
