"""The seam between a run and its database engine, and the registry that picks one by the URL's
dialect, as Alembic's `ddl/impl.py` picks a DefaultImpl by `__dialect__`.

An engine is imported only when a URL names it, so its driver is needed only then.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from migrator.config.database import DatabaseSettings
from migrator.errors import ConfigurationError


class DatabaseEngine(Protocol):
    name: str
    # Whether there is a server to wait for, guard and watch (not SQLite: a file on this host).
    has_server: bool

    def connect_args(self, settings: DatabaseSettings) -> dict[str, Any]:
        """The driver's arguments for a bounded connect (and bounded reads where it has them)."""
        ...

    def prepare(self, engine: Engine) -> None:
        """What every connection of the runner's engines gets from this engine (listeners)."""
        ...

    def acquire_run_lock(self, connection: Connection, timeout: float) -> str | None:
        """Take the database-scoped migration lock; return its name (None: nothing to release)."""
        ...

    def release_run_lock(self, connection: Connection, name: str | None) -> None: ...

    def before_batch(self, connection: Connection) -> None:
        """Set up the next transaction of a batched backfill (migrator.backfill)."""
        ...

    def still_holds_run_lock(self, connection: Connection, name: str | None) -> bool: ...


# The URL's backend name -> the module whose ENGINE serves it.
_REGISTRY = {
    "mysql": "migrator.engines.mysql.engine",
    "mariadb": "migrator.engines.mysql.engine",
    "sqlite": "migrator.engines.sqlite",
}


def create_engine_or_refuse(url: URL, **kwargs: Any) -> Engine:
    """SQLAlchemy's create_engine, with a URL it cannot use or a driver not installed as the one
    line of a ConfigurationError (exit 2)."""
    try:
        return create_engine(url, **kwargs)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigurationError(
            f"cannot use database URL {url.render_as_string(hide_password=True)}: {exc}"
        ) from None
    except ModuleNotFoundError as exc:
        raise ConfigurationError(
            f"the database driver is not installed ({exc.name}); check DATABASE_URL's scheme"
        ) from None


def engine_for(url: URL) -> DatabaseEngine:
    backend = url.get_backend_name()
    module = _REGISTRY.get(backend)
    if module is None:
        raise ConfigurationError(
            f"the runner has no engine for {backend}:// URLs (it serves "
            f"{', '.join(sorted(_REGISTRY))})"
        )
    engine: DatabaseEngine = importlib.import_module(module).ENGINE
    return engine
