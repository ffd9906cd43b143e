"""MySQL 8.4 and MariaDB behind the engine seam (migrator.engines.base)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, text

from migrator.config.database import DatabaseSettings
from migrator.config.settings import RunnerSettings
from migrator.engines.base import LockWait, SessionIdentity, SideConnection
from migrator.engines.errors import mysql_error_code
from migrator.engines.lint_catalogue import LintCatalogue
from migrator.engines.mysql import errors, run_lock
from migrator.engines.mysql.connect import PARAMS_KEY, connect_ddl_session, session_socket
from migrator.engines.mysql.ddl_verbs import may_be_ddl
from migrator.engines.mysql.side_connection import MysqlSideConnection, parameters_key

_IDENTITY = "SELECT CONNECTION_ID(), DATABASE(), @@hostname, @@port"
# ER_OPTION_PREVENTS_STATEMENT (read_only), ER_READ_ONLY_MODE.
READ_ONLY_CODES = frozenset({1290, 1836})


class MysqlEngine:
    name = "mysql"
    has_server = True
    default_port = 3306
    ddl_is_transactional = False

    def connect_args(self, settings: DatabaseSettings) -> dict[str, Any]:
        # The DDL session lifts the read timeout again (migrator.engines.mysql.connect).
        return {
            "connect_timeout": settings.db_connect_timeout,
            "read_timeout": settings.db_read_timeout,
            "write_timeout": settings.db_read_timeout,
        }

    def prepare(self, engine: Engine) -> None:
        return None  # every session is set up by the run's guard (migrator.runtime.run_guard)

    def connect_session(
        self,
        settings: RunnerSettings,
        dialect: Any,
        record: Any,
        cargs: Any,
        cparams: dict[str, Any],
    ) -> Any:
        return connect_ddl_session(settings, dialect, record, cargs, cparams)

    def identify_session(
        self, dbapi_connection: Any, record_info: dict[str, Any], lock_wait: int
    ) -> SessionIdentity | None:
        params: dict[str, Any] | None = record_info.get(PARAMS_KEY)
        if params is None:
            return None
        sock = session_socket(dbapi_connection, record_info)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"SET SESSION lock_wait_timeout = {int(lock_wait)}")
            cursor.execute(_IDENTITY)
            session_id, database, host, port = cursor.fetchone()
        finally:
            cursor.close()
        return SessionIdentity(
            int(session_id), (database, host, int(port)), sock, parameters_key(params)
        )

    def side_connection(self, record_info: dict[str, Any]) -> SideConnection:
        return MysqlSideConnection(record_info[PARAMS_KEY])

    def statement_commits(self, dbapi_connection: Any) -> bool:
        # Each DDL statement commits by itself: whatever completed may have taken effect.
        return True

    def lock_wait(
        self,
        settings: RunnerSettings,
        session_id: int,
        side: SideConnection,
        dbapi_connection: Any,
        statement: str,
        lock_wait: int,
    ) -> LockWait | None:
        if not may_be_ddl(statement):
            return None
        # Here, not at the top: these load the SQL parser (migrator.engines.mysql.ddl_verbs).
        from migrator.engines.mysql.lock_wait_log import MetadataLockWait
        from migrator.engines.mysql.statements import is_ddl

        if not is_ddl(statement):
            return None
        return MetadataLockWait(
            dbapi_connection, statement, lock_wait, settings.migrator_ddl_retry_budget
        )

    def set_lock_wait(self, connection: Connection, seconds: int) -> int:
        previous = int(
            connection.exec_driver_sql("SELECT @@session.lock_wait_timeout").scalar_one()
        )
        connection.exec_driver_sql(f"SET SESSION lock_wait_timeout = {int(seconds)}")
        return previous

    def is_transient(self, exc: BaseException) -> bool:
        return errors.is_transient(exc)

    def is_refused(self, exc: BaseException) -> bool:
        return errors.is_refused(exc)

    def is_starting(self, exc: BaseException) -> bool:
        return False  # MySQL opens its port once it takes logins

    def hint_for(self, exc: BaseException) -> str:
        return errors.hint_for(exc)

    def is_read_only(self, exc: BaseException) -> bool:
        return mysql_error_code(exc) in READ_ONLY_CODES

    def acquire_run_lock(self, connection: Connection, timeout: float) -> str | None:
        return run_lock.acquire_migration_lock(connection, timeout)

    def release_run_lock(self, connection: Connection, name: str | None) -> None:
        run_lock.release_migration_lock(connection, name)

    def still_holds_run_lock(self, connection: Connection, name: str | None) -> bool:
        return run_lock.still_held(connection, name)

    def before_batch(self, connection: Connection) -> None:
        # READ COMMITTED: the batch's UPDATE takes no gap locks, so inserts into the range go on.
        connection.execute(text("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))

    def leftovers(self, connection: Connection) -> list[str]:
        return []  # what a failed DDL statement did is rolled back (atomic DDL), or done

    def lint_catalogue(self, server_version: int | None = None) -> LintCatalogue:
        from migrator.engines.mysql.lint_rules import CATALOGUE  # loads SQLAlchemy's SQL types

        return CATALOGUE  # one verdict for MySQL 8.4 and one for MariaDB 10.11, side by side

    def server_version(self, connection: Connection) -> int | None:
        return None


ENGINE = MysqlEngine()
