"""The migrator's sessions: a connection once the database answers, and the DDL session that
holds the migration lock (what changes the version table runs on)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from migrator.db import create_runner_engine, is_sqlite
from migrator.ddl_connection import use_for_ddl
from migrator.lock import acquire_migration_lock, release_migration_lock
from migrator.settings import RunnerSettings
from migrator.signals import interruptible
from migrator.wait import wait_for_database

log = logging.getLogger(__name__)


@contextmanager
def connected(settings: RunnerSettings, *, for_ddl: bool = False) -> Iterator[Connection]:
    """A connection once the database answers; SQLite needs no wait. `for_ddl`: the session
    of migrator.ddl_connection (no client read timeout, metadata-lock waits bounded and
    retried)."""
    engine = create_runner_engine(settings)
    if for_ddl:
        use_for_ddl(engine, settings)
    log.info("database: %s", settings.describe_database())
    if settings.runs_mysqldb_on_pymysql:
        log.info("DATABASE_URL names mysqlclient (MySQLdb): the runner connects through PyMySQL")
    try:
        if is_sqlite(engine.url):
            with engine.connect() as connection:
                yield connection
            return
        with interruptible():
            connection = wait_for_database(engine, settings.migrator_wait_timeout)
        with connection:
            yield connection
    finally:
        engine.dispose()


@contextmanager
def locked(settings: RunnerSettings) -> Iterator[Connection]:
    """The DDL session, holding the migration lock: what changes the version table runs on."""
    with connected(settings, for_ddl=True) as connection:
        with interruptible():
            lock = acquire_migration_lock(connection, settings.migrator_lock_timeout)
        try:
            yield connection
        finally:
            release_migration_lock(connection, lock)
