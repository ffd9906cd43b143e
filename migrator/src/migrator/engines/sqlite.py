"""SQLite, the zero-setup local default: one file on this host, so nothing to wait for, guard or
watch, and SQLite's own write lock serialises runners started together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import URL

from migrator.config.database import DatabaseSettings
from migrator.config.settings import RunnerSettings
from migrator.engines.base import LockWait, SessionIdentity, SideConnection
from migrator.engines.lint_catalogue import LintCatalogue
from migrator.errors import ConfigurationError

BUSY_TIMEOUT_MS = 5000


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


class SqliteEngine:
    name = "sqlite"
    has_server = False
    default_port = None
    ddl_is_transactional = True

    def connect_args(self, settings: DatabaseSettings) -> dict[str, Any]:
        return {}

    def prepare(self, engine: Engine) -> None:
        database = engine.url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine, "connect", _busy_timeout)

    def connect_session(
        self,
        settings: RunnerSettings,
        dialect: Any,
        record: Any,
        cargs: Any,
        cparams: dict[str, Any],
    ) -> Any:
        return None

    def identify_session(
        self, dbapi_connection: Any, record_info: dict[str, Any], lock_wait: int
    ) -> SessionIdentity | None:
        return None  # nothing to freeze or cancel from elsewhere

    def side_connection(self, record_info: dict[str, Any]) -> SideConnection:
        raise NotImplementedError("SQLite sessions are never watched")

    def statement_commits(self, dbapi_connection: Any) -> bool:
        return False

    def lock_wait(
        self,
        settings: RunnerSettings,
        session_id: int,
        side: SideConnection,
        dbapi_connection: Any,
        statement: str,
        lock_wait: int,
    ) -> LockWait | None:
        return None  # SQLite's busy_timeout waits for the write lock

    def set_lock_wait(self, connection: Connection, seconds: int) -> int:
        return 0

    def is_transient(self, exc: BaseException) -> bool:
        return False

    def is_refused(self, exc: BaseException) -> bool:
        return False

    def is_starting(self, exc: BaseException) -> bool:
        return False

    def hint_for(self, exc: BaseException) -> str:
        return "check SQLITE_PATH (or DATABASE_URL) and the file's permissions"

    def is_read_only(self, exc: BaseException) -> bool:
        return False

    def leftovers(self, connection: Connection) -> list[str]:
        return []

    def server_version(self, connection: Connection) -> int | None:
        return None

    def lint_catalogue(self, server_version: int | None = None) -> LintCatalogue:
        raise ConfigurationError(
            "lint has no SQLite rules: it reads the revisions for MySQL unless DATABASE_URL "
            "names PostgreSQL"
        )

    def before_batch(self, connection: Connection) -> None:
        return None  # one writer at a time: no gap locks to avoid

    def acquire_run_lock(self, connection: Connection, timeout: float) -> str | None:
        return None  # SQLite's write lock serialises concurrent runners

    def release_run_lock(self, connection: Connection, name: str | None) -> None:
        return None

    def still_holds_run_lock(self, connection: Connection, name: str | None) -> bool:
        return True


def _busy_timeout(dbapi_connection: Any, _record: Any) -> None:
    # Runners started together queue on SQLite's write lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


ENGINE = SqliteEngine()
