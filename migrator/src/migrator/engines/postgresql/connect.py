"""The DDL session on PostgreSQL: connected as the driver does, bounded by libpq's
connect_timeout, with TCP keepalive tuned to notice a dead peer in about a minute, and no
statement_timeout: a long CREATE INDEX CONCURRENTLY or VALIDATE CONSTRAINT is never cut by the
runner. Keepalives do not notice a stopped server process (its kernel answers them), so the
server watch (migrator.runtime.server_watch) cuts the session's socket, the one this module
hands it: a duplicate of the connection's descriptor (shutting it down ends the reads on the
original too), for psycopg and asyncpg alike.
"""

from __future__ import annotations

import contextlib
import os
import socket
from typing import Any

from migrator.config.database import DatabaseSettings

PARAMS_KEY = "migrator.connect_params"
APPLICATION_NAME = "safe-migrator"
KEEPALIVE_IDLE_SECONDS = 30
KEEPALIVE_INTERVAL_SECONDS = 10
KEEPALIVE_PROBES = 3


def libpq_args(settings: DatabaseSettings) -> dict[str, Any]:
    return {
        "connect_timeout": settings.db_connect_timeout,
        "keepalives": 1,
        "keepalives_idle": KEEPALIVE_IDLE_SECONDS,
        "keepalives_interval": KEEPALIVE_INTERVAL_SECONDS,
        "keepalives_count": KEEPALIVE_PROBES,
        "application_name": APPLICATION_NAME,
    }


def remember_params(record_info: dict[str, Any], dialect: Any, cparams: dict[str, Any]) -> None:
    """What the side connection logs in with: the session's own login, whatever its driver
    calls the parts."""
    params = dict(cparams)
    if dialect.driver == "asyncpg":
        params["dbname"] = params.pop("database", None)
    record_info[PARAMS_KEY] = {
        key: params.get(key)
        for key in ("host", "port", "user", "password", "dbname", "sslmode", "passfile")
        if params.get(key) is not None
    }


def session_socket(dbapi_connection: Any) -> socket.socket | None:
    fileno = _fileno(dbapi_connection)
    if fileno is None:
        return None
    with contextlib.suppress(OSError, ValueError):
        return socket.socket(fileno=os.dup(fileno))
    return None


def _fileno(dbapi_connection: Any) -> int | None:
    with contextlib.suppress(Exception):
        return int(dbapi_connection.fileno())  # psycopg
    raw = getattr(dbapi_connection, "_connection", None)  # SQLAlchemy's asyncpg adaptor
    transport = getattr(raw, "_transport", None)
    extra = transport.get_extra_info("socket") if transport is not None else None
    return int(extra.fileno()) if extra is not None else None
