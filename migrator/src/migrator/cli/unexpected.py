"""An error the runner did not foresee, as the one line and exit code that fit it best: never a
traceback, and never exit 1 (a revision failed halfway) for what happened outside any revision."""

from __future__ import annotations

from alembic.util import CommandError
from sqlalchemy.exc import DBAPIError

from migrator.engines.errors import mysql_error_code, one_line
from migrator.engines.mysql.errors import is_transient
from migrator.errors import (
    ConfigurationError,
    DatabaseRejected,
    DatabaseUnreachable,
    InternalError,
    MigratorError,
)

# ER_OPTION_PREVENTS_STATEMENT (read_only), ER_READ_ONLY_MODE: a replica, or a primary being
# failed over; a later run (the Job's retry) meets the new primary.
READ_ONLY_CODES = frozenset({1290, 1836})
CLIENT_ERRORS = range(2000, 3000)


def unexpected(exc: Exception) -> MigratorError:
    if isinstance(exc, CommandError):
        return ConfigurationError(f"alembic: {exc}")
    if isinstance(exc, DBAPIError):
        code = mysql_error_code(exc)
        if is_transient(exc) or code in READ_ONLY_CODES:
            return DatabaseUnreachable(
                f"the database failed the runner outside any revision: {one_line(exc)}; a "
                "later run retries (nothing of a revision ran)"
            )
        if code is not None and code not in CLIENT_ERRORS:
            return DatabaseRejected(f"the database refused the runner: {one_line(exc)}")
    return InternalError(f"unexpected {type(exc).__name__}: {one_line(exc)}")
