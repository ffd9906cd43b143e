"""An error the runner did not foresee, as the one line and exit code that fit it best: never a
traceback, and never exit 1 (a revision failed halfway) for what happened outside any revision."""

from __future__ import annotations

from alembic.util import CommandError
from sqlalchemy.exc import DBAPIError

from migrator.engines.base import DatabaseEngine
from migrator.engines.errors import one_line, sqlstate
from migrator.errors import (
    ConfigurationError,
    DatabaseRejected,
    DatabaseUnreachable,
    InternalError,
    MigratorError,
)

CLIENT_ERRORS = range(2000, 3000)


def unexpected(exc: Exception, database: DatabaseEngine | None) -> MigratorError:
    if isinstance(exc, CommandError):
        return ConfigurationError(f"alembic: {exc}")
    if isinstance(exc, DBAPIError) and database is not None:
        # A replica, or a primary being failed over, too: the Job's retry meets the new primary.
        if database.is_transient(exc) or database.is_read_only(exc):
            return DatabaseUnreachable(
                f"the database failed the runner outside any revision: {one_line(exc)}; a "
                "later run retries (nothing of a revision ran)"
            )
        if _sent_by_the_server(exc):
            return DatabaseRejected(f"the database refused the runner: {one_line(exc)}")
    return InternalError(f"unexpected {type(exc).__name__}: {one_line(exc)}")


def _sent_by_the_server(exc: DBAPIError) -> bool:
    """An error the server sent (a MySQL server error code, a PostgreSQL SQLSTATE), not one of
    the driver's own."""
    if sqlstate(exc) is not None:
        return True
    args = getattr(exc.orig, "args", ())
    code = args[0] if args and isinstance(args[0], int) else None
    return code is not None and code not in CLIENT_ERRORS
