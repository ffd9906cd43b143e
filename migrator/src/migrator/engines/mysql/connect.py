"""The DDL session's connection on PyMySQL, made through its public `connect(sock)` with a
socket of our own (TCP or a unix socket alike):

- no client read timeout once connected: a long ALTER (an index on a big table, a rebuild) is
  never cut off by the client while the server goes on running it. The handshake and a first
  COM_PING are bounded by DB_CONNECT_TIMEOUT instead, by a timer that cuts the socket, so a
  server that accepts and never answers is still waited for, not hung on;
- TCP keepalive tuned to notice a dead peer in about a minute (the kernel's default waits
  2 h 11 min). Keepalive notices a host or a network that is gone; a server process that is
  stopped (its kernel still answers probes) is the server watch's to notice
  (migrator.runtime.server_watch), which cuts this socket.

Other drivers (aiomysql) connect as they do; they set no read timeout of their own. Whatever the
driver, migrator.runtime.run_guard then gives the session its settings, watch and cancel.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from typing import Any

import pymysql

from migrator.config.settings import RunnerSettings
from migrator.engines.mysql import pymysql_tls

SOCKET_KEY = "migrator.socket"
PARAMS_KEY = "migrator.connect_params"
KEEPALIVE_IDLE_SECONDS = 30
KEEPALIVE_INTERVAL_SECONDS = 10
KEEPALIVE_PROBES = 3
CR_CONNECTION_ERROR = 2002
CR_CONN_HOST_ERROR = 2003


def connect_ddl_session(
    settings: RunnerSettings, dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]
) -> Any:
    """A `do_connect` listener's work: None leaves the connect to SQLAlchemy."""
    record.info[PARAMS_KEY] = dict(cparams)
    if dialect.driver != "pymysql":
        return None
    params = {
        **cparams,
        "read_timeout": None,
        "write_timeout": None,
        "defer_connect": True,
    }
    connection = pymysql_tls.Connection(*cargs, **params)
    timeout = float(cparams.get("connect_timeout") or settings.db_connect_timeout)
    unix_socket = cparams.get("unix_socket")
    if unix_socket:
        sock = _unix_socket(str(unix_socket), timeout)
    else:
        sock = _keepalive_socket(connection.host, connection.port, timeout)
    # A second handle on the same socket: TLS wraps (and detaches) the first, and shutting
    # this one down still ends every read on the connection.
    handle = socket.socket(fileno=os.dup(sock.fileno()))
    cut = threading.Timer(timeout, _shut, (handle,))
    cut.start()
    try:
        connection.connect(sock)
        connection.ping(reconnect=False)
    except BaseException:
        handle.close()
        raise
    finally:
        cut.cancel()
    record.info[SOCKET_KEY] = handle
    return connection


def session_socket(dbapi_connection: Any, record_info: dict[str, Any]) -> socket.socket | None:
    """The socket a session's reads wait on, for the watch to cut: ours on PyMySQL; the asyncio
    transport's on aiomysql (a duplicate of its descriptor: shutting it down ends the reads on
    the original too)."""
    found = record_info.get(SOCKET_KEY)
    if isinstance(found, socket.socket):
        return found
    raw = getattr(dbapi_connection, "_connection", None)
    transport = getattr(getattr(raw, "_writer", None), "transport", None)
    extra = transport.get_extra_info("socket") if transport is not None else None
    if extra is None:
        return None
    with contextlib.suppress(OSError, ValueError):
        return socket.socket(fileno=os.dup(extra.fileno()))
    return None


def _unix_socket(path: str, timeout: float) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
    except OSError as exc:
        sock.close()
        error = pymysql.err.OperationalError(
            CR_CONNECTION_ERROR, f"Can't connect to local server through socket {path!r} ({exc})"
        )
        error.original_exception = exc
        raise error from None
    return sock


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
