"""MySQL 8.4 and MariaDB behind the engine seam (migrator.engines.base)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, text

from migrator.config.database import DatabaseSettings
from migrator.engines.mysql import run_lock


class MysqlEngine:
    name = "mysql"
    has_server = True

    def connect_args(self, settings: DatabaseSettings) -> dict[str, Any]:
        # The DDL session lifts the read timeout again (migrator.engines.mysql.connect).
        return {
            "connect_timeout": settings.db_connect_timeout,
            "read_timeout": settings.db_read_timeout,
            "write_timeout": settings.db_read_timeout,
        }

    def prepare(self, engine: Engine) -> None:
        return None  # every session is set up by the run's guard (migrator.runtime.run_guard)

    def acquire_run_lock(self, connection: Connection, timeout: float) -> str | None:
        return run_lock.acquire_migration_lock(connection, timeout)

    def release_run_lock(self, connection: Connection, name: str | None) -> None:
        run_lock.release_migration_lock(connection, name)

    def before_batch(self, connection: Connection) -> None:
        # READ COMMITTED: the batch's UPDATE takes no gap locks, so inserts into the range go on.
        connection.execute(text("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))

    def still_holds_run_lock(self, connection: Connection, name: str | None) -> bool:
        return run_lock.still_held(connection, name)


ENGINE = MysqlEngine()
