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
import os
import signal
import socket
import threading
import time
from types import TracebackType
from typing import Any

import pymysql
from sqlalchemy import Connection

from migrator.ddl_connection import ddl_socket
from migrator.errors import ServerSilent
from migrator.exit_codes import SIGNAL_BASE
from migrator.settings import RunnerSettings
from migrator.signals import termination_requested
from migrator.statement_observer import StatementObserver, shorten

log = logging.getLogger(__name__)

TICK_SECONDS = 0.2
CANCEL_GRACE_SECONDS = 3.0
PING_TIMEOUT_SECONDS = 3


class ServerWatch:
    def __init__(
        self, settings: RunnerSettings, observer: StatementObserver, connection: Connection
    ) -> None:
        """Watch `connection` (the one the revision's statements run on)."""
        self.observer = observer
        # SQLite is a file on this host: nothing to freeze, nothing to cancel from elsewhere.
        self.enabled = connection.dialect.name == "mysql"
        self.ddl_connection_id = (
            int(connection.exec_driver_sql("SELECT CONNECTION_ID()").scalar_one())
            if self.enabled
            else 0
        )
        self.ddl_socket = ddl_socket(connection)
        self.silence_timeout = settings.migrator_server_silence_timeout
        self.ping_every = min(5.0, self.silence_timeout / 4)
        # A plain PyMySQL connection: no engine, so no listener of the runner's touches it.
        url = settings.sqlalchemy_url
        self._connect_args: dict[str, Any] = {
            **url.translate_connect_args(username="user"),
            **dict(url.query),
            "connect_timeout": PING_TIMEOUT_SECONDS,
            "read_timeout": PING_TIMEOUT_SECONDS,
            "write_timeout": PING_TIMEOUT_SECONDS,
            "autocommit": True,
        }
        self.silent_for: float | None = None  # set when the watch cut the socket for silence
        self.cancelled = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="server-watch", daemon=True)
        self._connection: pymysql.connections.Connection | None = None
        self._last_answer = time.monotonic()
        self._last_ping = 0.0
        self._cancel_sent_at: float | None = None
        self._exit_code = ServerSilent.exit_code

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
        self._exit_code = SIGNAL_BASE + (termination_requested() or signal.SIGTERM)
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
                self._connection = pymysql.connect(**self._connect_args)
            with self._connection.cursor() as cursor:
                cursor.execute(statement)
            return True
        except pymysql.err.Error as exc:
            if _is_client_error(exc):
                self._close()
                return False
            return True

    def _cut(self) -> None:
        if self.ddl_socket is None:
            # A connection the runner did not make (an async driver's): nothing to cut, so the
            # process ends here, as the cut would have ended it.
            log.error("no socket of the statement's connection to close: exiting")
            logging.shutdown()
            os._exit(self._exit_code)
        try:
            self.ddl_socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            log.debug("the DDL socket was already closed", exc_info=True)

    def _close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except pymysql.err.Error:
                log.debug("closing the watch connection failed", exc_info=True)
            self._connection = None


def _is_client_error(orig: BaseException) -> bool:
    """2000-2999 are the client's own errors (lost connection, timeout): no answer."""
    code = orig.args[0] if orig.args and isinstance(orig.args[0], int) else None
    return code is None or 2000 <= code < 3000
