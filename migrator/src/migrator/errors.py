"""What can go wrong in a migrator run. As click's exceptions carry `exit_code`, each error class
carries the exit code it ends the process with, and `meaning`, the line the exit-code table
(`migrate --help`, the README) shows; cli.main() catches MigratorError once."""

from __future__ import annotations

from typing import ClassVar


class MigratorError(Exception):
    """Base of the migrator's own failures."""

    exit_code: ClassVar[int] = 1
    meaning: ClassVar[str] = ""


class ConfigurationError(MigratorError):
    """A setting is missing, malformed or contradictory; the message names the variable."""

    exit_code = 2
    meaning = (
        "usage or configuration error (bad variable, malformed URL, missing driver, "
        "unknown revision)"
    )


class MigrationFailed(MigratorError):
    """A revision raised, or the database did not end at head."""

    exit_code = 1
    meaning = "a revision failed; on MySQL its DDL may be partly applied (the message names it)"


class DatabaseUnreachable(MigratorError):
    """Only transient errors until the wait deadline passed."""

    exit_code = 3
    meaning = "database unreachable before MIGRATOR_WAIT_TIMEOUT"


class DatabaseRejected(MigratorError):
    """The server answered with an error that retrying cannot heal."""

    exit_code = 4
    meaning = "database refused us for good (authentication, unknown database): no retry"


class LockTimeout(MigratorError):
    """Another runner held the migration lock past the lock timeout."""

    exit_code = 5
    meaning = "another migrator held the lock past MIGRATOR_LOCK_TIMEOUT"


class SchemaNotReady(MigratorError):
    """The database did not reach the revision this build requires in time."""

    exit_code = 6
    meaning = "await-schema/check: the schema is not at the required revision"


class ModelsDiffer(MigratorError):
    """Autogenerate found differences between the models and the migrations."""

    exit_code = 7
    meaning = "check: the models and the migrations differ"


class MetadataLockTimeout(MigratorError):
    """A DDL statement kept timing out on a metadata lock until the retry budget was spent."""

    exit_code = 8
    meaning = "a DDL statement waited on a metadata lock past MIGRATOR_DDL_RETRY_BUDGET"


class RevisionLockTimeout(MetadataLockTimeout):
    """A statement inside a transactional revision (PostgreSQL) gave up on its lock wait: the
    transaction, and so the whole revision, rolled back; the revision may be retried whole."""


class LintFindings(MigratorError):
    """`migrate lint` found operations that block writes or break the running build."""

    exit_code = 9
    meaning = "lint: a revision blocks writes or breaks the build still serving, undeclared"


class NeedsRepair(MigratorError):
    """A revision failed after some of its statements committed; nothing runs until a repair."""

    exit_code = 10
    meaning = (
        "a revision failed halfway earlier (migrator_history): nothing runs until migrate "
        "repair REVISION --applied or --rolled-back says how it ended"
    )


class SchemaDiverged(MigratorError):
    """The database is on a revision this build cannot prove to descend from its head."""

    exit_code = 11
    meaning = "the database's revision is not on this build's line (a sibling branch, a stamp)"


class ServerSilent(MigratorError):
    """The server answered nothing for MIGRATOR_SERVER_SILENCE_TIMEOUT while a statement ran."""

    exit_code = 12
    meaning = (
        "the server stopped answering; a statement in flight may still complete there, and a "
        "revision that was running is recorded unknown"
    )


class RevisionChanged(MigratorError):
    """An applied revision's file differs from the one that was applied."""

    exit_code = 13
    meaning = "check: an applied revision's file changed since it was applied (checksum)"


class Unprotected(MigratorError):
    """A guarantee could not be put in place or was lost: the server watch cannot connect or
    cannot see the DDL session, the history cannot be read, the migration lock was lost.
    The runner stops before anything more runs instead of going on unprotected."""

    exit_code = 14
    meaning = (
        "a safeguard could not be put in place or was lost (the server watch, the history, the "
        "migration lock): nothing more ran; the message says which"
    )


class InternalError(MigratorError):
    """Anything the runner did not foresee, outside any revision: one line, not a traceback."""

    exit_code = 15
    meaning = (
        "an unexpected error outside any revision (nothing of a revision ran); LOG_LEVEL=DEBUG "
        "logs its traceback"
    )


# BaseException, so that no `except Exception` on the way up swallows a shutdown request.
class Terminated(BaseException):
    """SIGTERM or SIGINT arrived: while waiting, or during a statement that was then cancelled
    (`during` says which revision, and what of it had run)."""

    def __init__(self, signum: int, during: str = "while waiting") -> None:
        super().__init__(signum)
        self.signum = signum
        self.during = during
