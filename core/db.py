"""The one engine factory, shared by the API and the migrator."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.pool import NullPool

from core.errors import ConfigurationError
from core.settings import Settings
from migrator.engines.base import create_engine_or_refuse
from migrator.engines.sqlite import is_sqlite as is_sqlite  # alembic/env.py reads it here
from migrator.errors import ConfigurationError as RunnerConfigurationError


def create_db_engine(
    settings: Settings,
    *,
    pooled: bool = True,
    autocommit: bool = False,
    pool_size: int | None = None,
    mysql_connect_args: Mapping[str, Any] | None = None,
) -> Engine:
    """Build an engine from the settings.

    `pooled=False` suits one-shot processes. `autocommit=True` makes each statement commit by
    itself and skips the pool's rollback on return, two round trips fewer for a single-statement
    write; only code that never needs a multi-statement transaction may use such an engine.
    `mysql_connect_args` override the driver arguments built from the settings (the migrator's
    session drops the client read timeout, for one).
    """
    url = settings.sqlalchemy_url
    kwargs: dict[str, Any] = {}
    if autocommit:
        kwargs |= {"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None}
    if is_sqlite(url):
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        kwargs["connect_args"] = {
            "connect_timeout": settings.db_connect_timeout,
            "read_timeout": settings.db_read_timeout,
            "write_timeout": settings.db_read_timeout,
            **(mysql_connect_args or {}),
        }
        if pooled:
            kwargs |= {
                "pool_pre_ping": True,
                "pool_recycle": settings.db_pool_recycle,
                "pool_size": pool_size or settings.db_pool_size,
                "max_overflow": settings.db_pool_max_overflow,
                "pool_timeout": settings.db_pool_timeout,
            }
    if not pooled:
        kwargs["poolclass"] = NullPool
    try:
        engine = create_engine_or_refuse(url, **kwargs)
    except RunnerConfigurationError as exc:  # the application's own class, the same line
        raise ConfigurationError(str(exc)) from None
    if is_sqlite(url):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers and the single writer proceed together; busy_timeout makes writers queue
    # instead of failing with "database is locked" when several workers insert at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
