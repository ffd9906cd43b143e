"""The DDL session's connection, made through PyMySQL's public `connect(sock)` with a socket of
our own:

- no client read timeout once connected: a long ALTER (an index on a big table, a rebuild) is
  never cut off by the client while the server goes on running it. The handshake and a first
  COM_PING are bounded by DB_CONNECT_TIMEOUT instead, by a timer that cuts the socket, so a
  server that accepts and never answers is still waited for, not hung on;
- TCP keepalive tuned to notice a dead peer in about a minute (the kernel's default waits
  2 h 11 min). Keepalive notices a host or a network that is gone; a server process that is
  stopped (its kernel still answers probes) is the server watch's to notice
  (migrator.server_watch), which cuts this socket;
- the retrying cursor and the short lock_wait_timeout of migrator.ddl_cursor.

`ddl_connector` is a SQLAlchemy `do_connect` listener: on the runner's own engine, and, while a
project's env.py runs, on every engine it makes (so that its connection is such a session too).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pymysql
from sqlalchemy import Connection, event
from sqlalchemy.engine import Engine

from migrator.ddl_cursor import cursor_class
from migrator.settings import RunnerSettings

SOCKET_KEY = "migrator.socket"
KEEPALIVE_IDLE_SECONDS = 30
KEEPALIVE_INTERVAL_SECONDS = 10
KEEPALIVE_PROBES = 3
CR_CONN_HOST_ERROR = 2003

Connector = Callable[[Any, Any, Any, dict[str, Any]], Any]


def ddl_connector(settings: RunnerSettings) -> Connector:
    cursor = cursor_class(settings)
    init_command = f"SET SESSION lock_wait_timeout = {settings.migrator_lock_wait_timeout}"

    def connect(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        if dialect.driver != "pymysql" or cparams.get("unix_socket"):
            return None  # SQLAlchemy's own connect: a local socket has no peer to lose
        params = {
            **cparams,
            "cursorclass": cursor,
            "init_command": init_command,
            "read_timeout": None,
            "write_timeout": None,
            "defer_connect": True,
        }
        connection = pymysql.connections.Connection(*cargs, **params)
        timeout = float(cparams.get("connect_timeout") or settings.db_connect_timeout)
        sock = _keepalive_socket(connection.host, connection.port, timeout)
        cut = threading.Timer(timeout, _shut, (sock,))
        cut.start()
        try:
            connection.connect(sock)
            connection.ping(reconnect=False)
        finally:
            cut.cancel()
        record.info[SOCKET_KEY] = sock
        return connection

    return connect


def use_for_ddl(engine: Engine, settings: RunnerSettings) -> None:
    event.listen(engine, "do_connect", ddl_connector(settings))


@contextmanager
def every_engine_for_ddl(settings: RunnerSettings) -> Iterator[None]:
    """While a project's env.py runs, the engines it makes connect as DDL sessions too."""
    connect = ddl_connector(settings)
    event.listen(Engine, "do_connect", connect)
    try:
        yield
    finally:
        event.remove(Engine, "do_connect", connect)


def ddl_socket(connection: Connection) -> socket.socket | None:
    found = connection.info.get(SOCKET_KEY)
    return found if isinstance(found, socket.socket) else None


def _keepalive_socket(host: str, port: int, timeout: float) -> socket.socket:
    try:
        sock = socket.create_connection((host, port), timeout)
    except OSError as exc:
        # What PyMySQL raises for its own socket, so that waiting classifies it the same way.
        error = pymysql.err.OperationalError(
            CR_CONN_HOST_ERROR, f"Can't connect to MySQL server on {host!r} ({exc})"
        )
        error.original_exception = exc
        raise error from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, KEEPALIVE_IDLE_SECONDS)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, KEEPALIVE_INTERVAL_SECONDS)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, KEEPALIVE_PROBES)
    return sock


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: the connect failed on its own
        sock.shutdown(socket.SHUT_RDWR)
