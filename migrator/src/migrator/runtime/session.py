"""The migrator's sessions: a connection once the database answers, and the guarded run that
holds the migration lock (what changes the version table runs on)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection

from migrator.config.settings import RunnerSettings
from migrator.engines.base import DatabaseEngine, engine_for
from migrator.errors import MigratorError, ServerSilent, Terminated
from migrator.runtime.connections import create_runner_engine
from migrator.runtime.run_guard import RunGuard, guarded
from migrator.runtime.server_watch import Cancel
from migrator.runtime.wait import wait_for_database
from migrator.signals import interruptible, termination_requested

log = logging.getLogger(__name__)


@contextmanager
def connected(settings: RunnerSettings) -> Iterator[Connection]:
    """A connection once the database answers; SQLite needs no wait. Inside a guarded run
    (locked()), it is a DDL session: no client read timeout, watched, cancellable."""
    engine, database = create_runner_engine(settings)
    log.info("database: %s", settings.describe_database())
    if settings.driver_substituted is not None:
        log.info("%s", settings.driver_substituted)
    try:
        if not database.has_server:
            with engine.connect() as connection:
                yield connection
            return
        with interruptible():
            connection = wait_for_database(engine, settings.migrator_wait_timeout)
        with connection:
            yield connection
    finally:
        engine.dispose()


@dataclass(frozen=True)
class LockedRun:
    connection: Connection  # the runner's own session, holding the lock
    guard: RunGuard
    engine: DatabaseEngine
    lock: str | None  # its name (None: SQLite)


@contextmanager
def locked(settings: RunnerSettings) -> Iterator[LockedRun]:
    """The guarded run, holding the migration lock on the runner's own session. A silent
    server ends it with ServerSilent whatever it was doing; a statement whose cancel was not
    confirmed keeps the lock until the process ends (the server frees it with the session)."""
    database = engine_for(settings.sqlalchemy_url)
    with guarded(settings) as guard:
        try:
            with connected(settings) as connection:
                with interruptible():
                    lock = database.acquire_run_lock(connection, settings.migrator_lock_timeout)
                run = LockedRun(connection, guard, database, lock)
                try:
                    yield run
                finally:
                    if guard.watch.sockets_cut:
                        # Closed without the pool's rollback, which would fail on the cut socket
                        # (a traceback in the log); the server frees the lock with the session.
                        connection.invalidate()
                    elif _may_release(guard):
                        database.release_run_lock(connection, lock)
        except (ServerSilent, Terminated, MigratorError):
            raise
        except Exception:
            silent = guard.watch.silent_for
            if silent is not None:
                raise ServerSilent(
                    f"the server answered nothing for {silent:.0f} s "
                    f"(MIGRATOR_SERVER_SILENCE_TIMEOUT={settings.migrator_server_silence_timeout:g}"
                    "); no revision was running"
                ) from None
            signum = termination_requested()
            if signum is not None:
                # A statement outside any revision (reading the state) cancelled by the watch.
                raise Terminated(signum, "before any revision ran") from None
            raise


def _may_release(guard: RunGuard) -> bool:
    return guard.watch.cancel_outcome(timeout=0) is not Cancel.UNCONFIRMED
