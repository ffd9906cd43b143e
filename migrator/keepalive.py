"""The DDL session's socket: TCP keepalive tuned to notice a dead peer in about a minute
(the kernel's default waits 2 h 11 min), and kept where the server watch can cut it.

PyMySQL turns SO_KEEPALIVE on with the kernel's timings and keeps its socket private; its public
`connect(sock)` takes a socket made here instead. Keepalive notices a host or a network that is
gone; a server process that is stopped (its kernel still answers probes) is the server watch's
to notice (migrator/server_watch.py).
"""

from __future__ import annotations

import socket
from typing import Any

import pymysql
from sqlalchemy import Connection, Engine, event

SOCKET_KEY = "migrator.socket"
KEEPALIVE_IDLE_SECONDS = 30
KEEPALIVE_INTERVAL_SECONDS = 10
KEEPALIVE_PROBES = 3
CR_CONN_HOST_ERROR = 2003


def connect_with_keepalive(engine: Engine) -> None:
    event.listen(engine, "do_connect", _connect)


def ddl_socket(connection: Connection) -> socket.socket | None:
    found = connection.info.get(SOCKET_KEY)
    return found if isinstance(found, socket.socket) else None


def _connect(_dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
    if cparams.get("unix_socket"):
        return None  # SQLAlchemy's own connect: a local socket has no peer to lose
    connection = pymysql.connections.Connection(*cargs, defer_connect=True, **cparams)
    try:
        sock = socket.create_connection(
            (connection.host, connection.port), connection.connect_timeout
        )
    except OSError as exc:
        # What PyMySQL raises for its own socket, so that waiting classifies it the same way.
        error = pymysql.err.OperationalError(
            CR_CONN_HOST_ERROR, f"Can't connect to MySQL server on {connection.host!r} ({exc})"
        )
        error.original_exception = exc
        raise error from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, KEEPALIVE_IDLE_SECONDS)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, KEEPALIVE_INTERVAL_SECONDS)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, KEEPALIVE_PROBES)
    connection.connect(sock)
    record.info[SOCKET_KEY] = sock
    return connection
