"""Reading a database error: the driver's exception behind SQLAlchemy's, its MySQL error code,
one line of it, and whether it means the schema is older than the code."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

ER_BAD_FIELD_ERROR = 1054  # Unknown column
ER_NO_SUCH_TABLE = 1146
_SQLITE_SCHEMA_ERRORS = ("no such table", "no such column", "has no column named")


def driver_error(exc: BaseException) -> BaseException:
    """The driver's own exception behind SQLAlchemy's wrapper (or the exception itself)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return exc.orig
    return exc


def mysql_error_code(exc: BaseException) -> int | None:
    args = getattr(driver_error(exc), "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def one_line(exc: BaseException) -> str:
    orig = driver_error(exc)
    text = str(orig).strip().splitlines()
    return text[0] if text else orig.__class__.__name__


def is_schema_error(exc: BaseException) -> bool:
    """A table or column the statement needs is missing: the migrator has not run yet."""
    if not isinstance(exc, DBAPIError):
        return False
    if mysql_error_code(exc) in (ER_NO_SUCH_TABLE, ER_BAD_FIELD_ERROR):
        return True
    message = str(driver_error(exc))
    return any(marker in message for marker in _SQLITE_SCHEMA_ERRORS)
