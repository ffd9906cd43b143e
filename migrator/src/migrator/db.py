"""The runner's engines: one connection at a time (NullPool), bounded connects."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import NullPool

from migrator.database_settings import DatabaseSettings
from migrator.errors import ConfigurationError

SQLITE_BUSY_TIMEOUT_MS = 5000


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def create_runner_engine(
    settings: DatabaseSettings, *, mysql_connect_args: Mapping[str, Any] | None = None
) -> Engine:
    """An engine for one-shot use. `mysql_connect_args` override the driver arguments built from
    the settings (the DDL session drops the client read timeout, for one)."""
    url = settings.sqlalchemy_url
    if is_sqlite(url):
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args: dict[str, Any] = {}
    else:
        connect_args = {
            "connect_timeout": settings.db_connect_timeout,
            "read_timeout": settings.db_read_timeout,
            "write_timeout": settings.db_read_timeout,
            **(mysql_connect_args or {}),
        }
    try:
        engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigurationError(
            f"cannot use database URL {url.render_as_string(hide_password=True)}: {exc}"
        ) from None
    except ModuleNotFoundError as exc:
        raise ConfigurationError(
            f"the database driver is not installed ({exc.name}); check DATABASE_URL's scheme"
        ) from None
    if is_sqlite(url):
        event.listen(engine, "connect", _sqlite_busy_timeout)
    return engine


def _sqlite_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
    # Runners started together queue on SQLite's write lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()
