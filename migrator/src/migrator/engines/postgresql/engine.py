"""PostgreSQL behind the engine seam (migrator.engines.base): psycopg 3 for the runner's own
sessions, psycopg or asyncpg for a project's env.py, every session guarded as on MySQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, text

from migrator.config.database import DatabaseSettings
from migrator.config.settings import RunnerSettings
from migrator.engines.base import LockWait, SessionIdentity, SideConnection
from migrator.engines.lint_catalogue import LintCatalogue
from migrator.engines.postgresql import errors, run_lock
from migrator.engines.postgresql.connect import (
    PARAMS_KEY,
    libpq_args,
    remember_params,
    session_socket,
)
from migrator.engines.postgresql.lock_wait import PostgresLockWait, may_wait
from migrator.engines.postgresql.side_connection import PostgresSideConnection, parameters_key

# No statement_timeout may cut a long CREATE INDEX CONCURRENTLY or VALIDATE CONSTRAINT, and no
# idle-in-transaction limit the runner's own idle session while env.py's works.
_SESSION_SETTINGS = (
    "SET lock_timeout = '{lock_wait}s'",
    "SET statement_timeout = 0",
    "SET idle_in_transaction_session_timeout = 0",
)
# Which server, whatever the transport (a unix socket has no inet_server_addr): the
# postmaster's start time and port, readable by any role.
_IDENTITY = (
    "SELECT pg_backend_pid(), current_database(), pg_postmaster_start_time()::text, "
    "current_setting('port')"
)
_INVALID_INDEXES = """
SELECT n.nspname, c.relname, t.relname
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT i.indisvalid
ORDER BY 1, 2
"""


class PostgresqlEngine:
    name = "postgresql"
    has_server = True
    default_port = 5432
    ddl_is_transactional = True

    def connect_args(self, settings: DatabaseSettings) -> dict[str, Any]:
        return libpq_args(settings)

    def prepare(self, engine: Engine) -> None:
        return None

    def connect_session(
        self,
        settings: RunnerSettings,
        dialect: Any,
        record: Any,
        cargs: Any,
        cparams: dict[str, Any],
    ) -> Any:
        remember_params(record.info, dialect, cparams)
        return None  # the driver connects, bounded by its connect_timeout

    def identify_session(
        self, dbapi_connection: Any, record_info: dict[str, Any], lock_wait: int
    ) -> SessionIdentity | None:
        params: dict[str, Any] = record_info[PARAMS_KEY]
        cursor = dbapi_connection.cursor()
        try:
            for setting in _SESSION_SETTINGS:
                cursor.execute(setting.format(lock_wait=int(lock_wait)))
            cursor.execute(_IDENTITY)
            session_id, database, started, port = cursor.fetchone()
        finally:
            cursor.close()
        # Ending the transaction psycopg opened for the reads: the session starts idle.
        if not getattr(dbapi_connection, "autocommit", False):
            dbapi_connection.commit()
        where = (database, f"the server started {started}", int(port))
        return SessionIdentity(
            int(session_id), where, session_socket(dbapi_connection), parameters_key(params)
        )

    def side_connection(self, record_info: dict[str, Any]) -> SideConnection:
        return PostgresSideConnection(record_info[PARAMS_KEY])

    def statement_commits(self, dbapi_connection: Any) -> bool:
        # Inside the revision's transaction it commits with the revision, or not at all.
        return bool(getattr(dbapi_connection, "autocommit", False))

    def lock_wait(
        self,
        settings: RunnerSettings,
        session_id: int,
        side: SideConnection,
        dbapi_connection: Any,
        statement: str,
        lock_wait: int,
    ) -> LockWait | None:
        if not may_wait(statement):
            return None
        return PostgresLockWait(
            side,
            session_id,
            dbapi_connection,
            statement,
            lock_wait,
            settings.migrator_ddl_retry_budget,
        )

    def set_lock_wait(self, connection: Connection, seconds: int) -> int:
        current = connection.exec_driver_sql("SHOW lock_timeout").scalar_one()
        connection.exec_driver_sql(f"SET lock_timeout = '{int(seconds)}s'")
        return _seconds(str(current))

    def is_transient(self, exc: BaseException) -> bool:
        return errors.is_transient(exc)

    def is_refused(self, exc: BaseException) -> bool:
        return errors.is_refused(exc)

    def is_starting(self, exc: BaseException) -> bool:
        return errors.is_starting(exc)

    def hint_for(self, exc: BaseException) -> str:
        return errors.hint_for(exc)

    def is_read_only(self, exc: BaseException) -> bool:
        return errors.is_read_only(exc)

    def acquire_run_lock(self, connection: Connection, timeout: float) -> str | None:
        return run_lock.acquire_migration_lock(connection, timeout)

    def release_run_lock(self, connection: Connection, name: str | None) -> None:
        run_lock.release_migration_lock(connection, name)

    def still_holds_run_lock(self, connection: Connection, name: str | None) -> bool:
        return run_lock.still_held(connection, name)

    def before_batch(self, connection: Connection) -> None:
        return None  # READ COMMITTED is PostgreSQL's default, and it takes no gap locks

    def lint_catalogue(self, server_version: int | None = None) -> LintCatalogue:
        from migrator.engines.postgresql.lint_rules import catalogue_for

        return catalogue_for(server_version)

    def server_version(self, connection: Connection) -> int | None:
        number = connection.exec_driver_sql("SHOW server_version_num").scalar_one()
        connection.rollback()
        return int(number) // 10000

    def leftovers(self, connection: Connection) -> list[str]:
        rows = connection.execute(text(_INVALID_INDEXES)).all()
        connection.rollback()
        return [
            f"INVALID index {schema}.{index} on {table} (a CONCURRENTLY build that failed: "
            f"it is maintained on every write but never used; DROP INDEX CONCURRENTLY "
            f"{schema}.{index}, then rerun)"
            for schema, index, table in rows
        ]


def _seconds(setting: str) -> int:
    """SHOW lock_timeout's '2s', '1500ms', '1min' or '0' as whole seconds (at least 1 unless 0)."""
    units = {"ms": 0.001, "s": 1, "min": 60, "h": 3600, "d": 86400}
    value = setting.strip()
    for unit in sorted(units, key=len, reverse=True):
        if value.endswith(unit) and value[: -len(unit)].strip().isdigit():
            seconds = int(value[: -len(unit)]) * units[unit]
            return max(1, round(seconds)) if seconds else 0
    return int(value) // 1000 if value.isdigit() else 0


ENGINE = PostgresqlEngine()
