"""Reading a database error: the driver's exception behind SQLAlchemy's, its MySQL error code
or PostgreSQL SQLSTATE, and one line of it."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError


def driver_error(exc: BaseException) -> BaseException:
    """The driver's own exception behind SQLAlchemy's wrapper (or the exception itself)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return exc.orig
    return exc


def mysql_error_code(exc: BaseException) -> int | None:
    args = getattr(driver_error(exc), "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def sqlstate(exc: BaseException) -> str | None:
    """PostgreSQL's SQLSTATE of a statement's error (psycopg and asyncpg alike); None for the
    driver's own errors, and for every error of the connect (libpq gives them none)."""
    orig = driver_error(exc)
    found = getattr(orig, "sqlstate", None)
    return found if isinstance(found, str) else None


class NoAnswer(Exception):
    """The server did not answer a side connection (or it could not log in)."""


def one_line(exc: BaseException) -> str:
    orig = driver_error(exc)
    text = str(orig).strip().splitlines()
    return text[0] if text else orig.__class__.__name__
