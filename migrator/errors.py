"""What can go wrong in a migrator run; cli.main() maps each to its exit code."""

from __future__ import annotations

from api.errors import ServiceError


class MigratorError(ServiceError):
    """Base of the migrator's own failures."""


class DatabaseUnreachable(MigratorError):
    """Only transient errors until the wait deadline passed."""


class DatabaseRejected(MigratorError):
    """The server answered with an error that retrying cannot heal."""


class LockTimeout(MigratorError):
    """Another runner held the migration lock past the lock timeout."""


class MigrationFailed(MigratorError):
    """A revision raised, or the database did not end at head."""


class SchemaNotReady(MigratorError):
    """The database did not reach the revision this build requires in time."""


class ModelsDiffer(MigratorError):
    """Autogenerate found differences between the models and the migrations."""


# BaseException, so that no `except Exception` on the way up swallows a shutdown request.
class Terminated(BaseException):
    """SIGTERM or SIGINT arrived while the migrator was waiting."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
