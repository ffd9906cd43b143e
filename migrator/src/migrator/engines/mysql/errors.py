"""Which connection errors can heal by waiting, and which cannot."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from migrator.engines.errors import driver_error, mysql_error_code

# MySQL/MariaDB client and server error codes worth waiting out.
TRANSIENT_ERROR_CODES = frozenset(
    {
        1040,  # ER_CON_COUNT_ERROR: too many connections
        1053,  # ER_SERVER_SHUTDOWN: server shutdown in progress
        1203,  # ER_TOO_MANY_USER_CONNECTIONS
        1927,  # ER_CONNECTION_KILLED (MariaDB)
        2002,  # CR_CONNECTION_ERROR: socket not there yet
        2003,  # CR_CONN_HOST_ERROR: refused, unresolvable name, connect timeout
        2006,  # CR_SERVER_GONE_ERROR
        2013,  # CR_SERVER_LOST
        4031,  # ER_CLIENT_INTERACTION_TIMEOUT (MySQL)
    }
)

# Codes that mean "check your settings"; anything else unknown is also treated as permanent.
ACCESS_DENIED_CODES = frozenset({1044, 1045, 1130, 1698})
UNKNOWN_DATABASE_CODE = 1049
DATABASE_ACCESS_DENIED_CODE = 1044  # ER_DBACCESS_DENIED_ERROR: the login worked, the schema not


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        return mysql_error_code(exc) in TRANSIENT_ERROR_CODES
    return isinstance(exc, ConnectionError | TimeoutError)


def hint_for(exc: BaseException) -> str:
    """Name the setting to check, never its value."""
    code = mysql_error_code(exc)
    if code == DATABASE_ACCESS_DENIED_CODE:
        return (
            "access denied to the database: check DB_NAME, and that DB_USER was granted rights "
            "on it (deploy/mysql/initdb/10-app-users.sh)"
        )
    if code in ACCESS_DENIED_CODES:
        return "access denied: check DB_USER and DB_PASSWORD (or DB_PASSWORD_FILE) and the grants"
    if code == UNKNOWN_DATABASE_CODE:
        return "unknown database: check DB_NAME, or create the database first"
    if code in TRANSIENT_ERROR_CODES:
        return "cannot reach the server: check DB_HOST and DB_PORT, and that it is running"
    return "the server refused the connection: check the DB_* settings"


def is_refused(exc: BaseException) -> bool:
    """The server's port refused the connection (nothing listens there yet)."""
    orig = driver_error(exc)
    # PyMySQL keeps the socket error behind its "Can't connect" OperationalError.
    return isinstance(getattr(orig, "original_exception", orig), ConnectionRefusedError)
