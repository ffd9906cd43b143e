"""Reading a database error: the driver's exception behind SQLAlchemy's, its MySQL error code,
one line of it, and what it means for a client (ERROR_TABLE, the one table of codes).

PyMySQL raises OperationalError for most server codes it does not map (1364 among them), so
the exception class says little; the server's code says what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from migrator.engines.errors import driver_error, mysql_error_code

ER_BAD_FIELD_ERROR = 1054  # Unknown column
ER_NO_SUCH_TABLE = 1146
_SQLITE_SCHEMA_ERRORS = ("no such table", "no such column", "has no column named")


class ErrorKind(StrEnum):
    TRANSIENT = "transient"  # 503 with Retry-After: the same request can succeed later
    FAILOVER = "failover"  # 503 with Retry-After: this server stopped taking writes
    SCHEMA_NOT_READY = "schema_not_ready"  # 503: the migrator has not run yet
    PERMANENT = "permanent"  # 500: the same request fails again; retrying does not help


@dataclass(frozen=True)
class KnownError:
    code: int
    symbol: str
    kind: ErrorKind
    advice: str  # what a client (or an operator) does about it; the README's table shows it


_RETRY = "retry after Retry-After"
_FIX = "do not retry: an operator must fix the schema, the grants or the build"

# Every code named here is classified as written; any other server code is PERMANENT.
ERROR_TABLE: tuple[KnownError, ...] = (
    KnownError(2002, "CR_CONNECTION_ERROR", ErrorKind.TRANSIENT, _RETRY),
    KnownError(2003, "CR_CONN_HOST_ERROR", ErrorKind.TRANSIENT, _RETRY),
    KnownError(2006, "CR_SERVER_GONE_ERROR", ErrorKind.TRANSIENT, _RETRY),
    KnownError(2013, "CR_SERVER_LOST", ErrorKind.TRANSIENT, _RETRY),
    KnownError(2055, "CR_SERVER_LOST_EXTENDED", ErrorKind.TRANSIENT, _RETRY),
    KnownError(1040, "ER_CON_COUNT_ERROR", ErrorKind.TRANSIENT, _RETRY),
    KnownError(1053, "ER_SERVER_SHUTDOWN", ErrorKind.TRANSIENT, _RETRY),
    KnownError(1203, "ER_TOO_MANY_USER_CONNECTIONS", ErrorKind.TRANSIENT, _RETRY),
    KnownError(1205, "ER_LOCK_WAIT_TIMEOUT", ErrorKind.TRANSIENT, _RETRY),
    KnownError(1213, "ER_LOCK_DEADLOCK", ErrorKind.TRANSIENT, _RETRY),
    KnownError(1317, "ER_QUERY_INTERRUPTED", ErrorKind.TRANSIENT, _RETRY),
    KnownError(1927, "ER_CONNECTION_KILLED (MariaDB)", ErrorKind.TRANSIENT, _RETRY),
    KnownError(1969, "ER_STATEMENT_TIMEOUT (MariaDB)", ErrorKind.TRANSIENT, _RETRY),
    KnownError(3024, "ER_QUERY_TIMEOUT", ErrorKind.TRANSIENT, _RETRY),
    KnownError(4031, "ER_CLIENT_INTERACTION_TIMEOUT", ErrorKind.TRANSIENT, _RETRY),
    # read_only and MySQL 8.4's super_read_only both answer 1290 (the message names the
    # option): what the old primary says during a failover, before DNS moves.
    KnownError(1290, "ER_OPTION_PREVENTS_STATEMENT", ErrorKind.FAILOVER, _RETRY + " (a failover)"),
    KnownError(1836, "ER_READ_ONLY_MODE", ErrorKind.FAILOVER, _RETRY + " (a failover)"),
    KnownError(
        1792,
        "ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION",
        ErrorKind.FAILOVER,
        _RETRY + " (a failover)",
    ),
    KnownError(
        ER_NO_SUCH_TABLE,
        "ER_NO_SUCH_TABLE",
        ErrorKind.SCHEMA_NOT_READY,
        _RETRY + "; run the migrator",
    ),
    KnownError(
        ER_BAD_FIELD_ERROR,
        "ER_BAD_FIELD_ERROR",
        ErrorKind.SCHEMA_NOT_READY,
        _RETRY + "; run the migrator",
    ),
    KnownError(1364, "ER_NO_DEFAULT_FOR_FIELD", ErrorKind.PERMANENT, _FIX),
    KnownError(1048, "ER_BAD_NULL_ERROR", ErrorKind.PERMANENT, _FIX),
    KnownError(1406, "ER_DATA_TOO_LONG", ErrorKind.PERMANENT, _FIX),
    KnownError(1062, "ER_DUP_ENTRY", ErrorKind.PERMANENT, _FIX),
    KnownError(1452, "ER_NO_REFERENCED_ROW_2", ErrorKind.PERMANENT, _FIX),
    KnownError(3819, "ER_CHECK_CONSTRAINT_VIOLATED", ErrorKind.PERMANENT, _FIX),
    KnownError(4025, "ER_CONSTRAINT_FAILED (MariaDB)", ErrorKind.PERMANENT, _FIX),
    KnownError(1142, "ER_TABLEACCESS_DENIED_ERROR", ErrorKind.PERMANENT, _FIX),
    KnownError(1045, "ER_ACCESS_DENIED_ERROR", ErrorKind.PERMANENT, _FIX),
)
_BY_CODE = {known.code: known for known in ERROR_TABLE}
CODES_OF = {
    kind: frozenset(known.code for known in ERROR_TABLE if known.kind is kind) for kind in ErrorKind
}


def is_schema_error(exc: BaseException) -> bool:
    """A table or column the statement needs is missing: the migrator has not run yet."""
    if not isinstance(exc, DBAPIError):
        return False
    if mysql_error_code(exc) in CODES_OF[ErrorKind.SCHEMA_NOT_READY]:
        return True
    message = str(driver_error(exc))
    return any(marker in message for marker in _SQLITE_SCHEMA_ERRORS)


def classify(exc: BaseException) -> ErrorKind:
    """What a database error means, by the server's code; a code not in ERROR_TABLE is
    permanent. Without a code (PyMySQL's InterfaceError(0) on a closed connection, SQLite's
    "database is locked", a connection SQLAlchemy invalidated) a connection-level error is
    transient."""
    if is_schema_error(exc):
        return ErrorKind.SCHEMA_NOT_READY
    code = mysql_error_code(exc)
    known = _BY_CODE.get(code) if code else None
    if known is not None:
        return known.kind
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return ErrorKind.TRANSIENT
    if not code and isinstance(exc, OperationalError | InterfaceError):
        return ErrorKind.TRANSIENT
    return ErrorKind.PERMANENT


def discard_pool_on_failover(engine: Engine) -> None:
    """A failover code makes SQLAlchemy treat the error as a disconnect: the connection is
    invalidated, and so is every other connection of the pool (invalidate_pool_on_disconnect),
    so the next checkout connects anew and resolves the host again."""

    @event.listens_for(engine, "handle_error")
    def _failover_is_a_disconnect(context: ExceptionContext) -> Any:
        if classify(context.original_exception) is ErrorKind.FAILOVER:
            context.is_disconnect = True
        return None
