"""Which PostgreSQL connection errors can heal by waiting, and which cannot.

A statement's error carries its SQLSTATE; a failed connect carries none (libpq keeps the
server's code to itself: psycopg/psycopg#1188), so those are read from libpq's message, whose
client-side parts are libpq's own English and whose server-side parts are in the server's
lc_messages. An error recognised as neither is permanent (exit 4, with the message): the runner
never waits out what it cannot name.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from migrator.engines.errors import driver_error, sqlstate

# SQLSTATEs worth waiting out (Appendix A of the manual).
TRANSIENT_SQLSTATES = frozenset(
    {
        "57P01",  # admin_shutdown: the server is stopping
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now: starting up, in recovery
        "53300",  # too_many_connections
        "08000",  # connection_exception
        "08003",  # connection_does_not_exist
        "08006",  # connection_failure
        "08001",  # sqlclient_unable_to_establish_sqlconnection
        "08004",  # sqlserver_rejected_establishment_of_sqlconnection
    }
)
READ_ONLY_SQLSTATES = frozenset({"25006"})  # read_only_sql_transaction: a standby
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout (and NOWAIT)
DEADLOCK_DETECTED = "40P01"

# Pieces of libpq's message for a failed connect, and what they mean.
_TRANSIENT_MESSAGES = (
    "connection refused",
    "no such file or directory",  # the unix socket is not there yet
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
    "the database system is not accepting connections",
    "too many clients already",
    "remaining connection slots are reserved",
    "server closed the connection unexpectedly",
    "timeout expired",
    "could not translate host name",  # a Compose service's name before its container exists
    "network is unreachable",
    "no route to host",
    "connection timed out",
    "terminating connection due to administrator command",
)
_ACCESS_DENIED_MESSAGES = (
    "password authentication failed",
    "no password supplied",
    "no pg_hba.conf entry",
    "pg_hba.conf rejects connection",
    "role",  # role "x" does not exist
    "permission denied for database",
)
_UNKNOWN_DATABASE = "database"  # database "x" does not exist


def _message(exc: BaseException) -> str:
    return str(driver_error(exc)).lower()


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        state = sqlstate(exc)
        if state is not None:
            return state in TRANSIENT_SQLSTATES
        message = _message(exc)
        if "does not exist" in message or "authentication failed" in message:
            return False
        return any(piece in message for piece in _TRANSIENT_MESSAGES)
    return isinstance(exc, ConnectionError | TimeoutError)


def is_refused(exc: BaseException) -> bool:
    return "connection refused" in _message(exc)


def is_starting(exc: BaseException) -> bool:
    """57P03 cannot_connect_now: the port is open, logins come in a moment."""
    if sqlstate(exc) == "57P03":
        return True
    message = _message(exc)
    return "the database system is starting up" in message or "not yet accepting" in message


def is_read_only(exc: BaseException) -> bool:
    return sqlstate(exc) in READ_ONLY_SQLSTATES


def is_lock_timeout(exc: BaseException) -> bool:
    return sqlstate(exc) in (LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED)


def hint_for(exc: BaseException) -> str:
    """Name the setting to check, never its value."""
    message = _message(exc)
    if "does not exist" in message and _UNKNOWN_DATABASE in message.split("does not exist")[0]:
        return "unknown database: check DB_NAME, or create the database first"
    if any(piece in message for piece in _ACCESS_DENIED_MESSAGES):
        return (
            "access denied: check DB_USER and DB_PASSWORD (or DB_PASSWORD_FILE), and that "
            "pg_hba.conf lets this host in"
        )
    if is_transient(exc):
        return "cannot reach the server: check DB_HOST and DB_PORT, and that it is running"
    return "the server refused the connection: check the DB_* settings"
