"""SQLite, the zero-setup local default: one file on this host, so nothing to wait for, guard or
watch, and SQLite's own write lock serialises runners started together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import URL

from migrator.config.database import DatabaseSettings

BUSY_TIMEOUT_MS = 5000


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


class SqliteEngine:
    name = "sqlite"
    has_server = False

    def connect_args(self, settings: DatabaseSettings) -> dict[str, Any]:
        return {}

    def prepare(self, engine: Engine) -> None:
        database = engine.url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine, "connect", _busy_timeout)

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
