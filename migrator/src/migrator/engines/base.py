"""The seam between a run and its database engine, and the registry that picks one by the URL's
dialect, as Alembic's `ddl/impl.py` picks a DefaultImpl by `__dialect__`.

An engine is imported only when a URL names it, so its driver is needed only then. What the
runtime asks of an engine is below: how to connect with bounded timeouts, what every guarded
session is given and how it is identified, the side connection that watches it, which errors
heal by waiting, how a lock wait is retried, and the run lock.
"""

from __future__ import annotations

import importlib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from migrator.config.database import DatabaseSettings
from migrator.config.settings import RunnerSettings
from migrator.engines.lint_catalogue import LintCatalogue
from migrator.errors import ConfigurationError, MigratorError


class SideConnection(Protocol):
    """The server watch's own connection (migrator.runtime.server_watch): every call is bounded
    in time, and raises migrator.engines.errors.NoAnswer when the server does not answer."""

    def connect(self) -> None: ...

    def answers(self) -> bool:
        """Whether the server answers at all (an error it sends back is an answer too)."""
        ...

    def cancel(self, session_id: int) -> None:
        """Ask the server to cancel the session's statement (it rolls the statement back)."""
        ...

    def running(self, session_id: int) -> str | None:
        """The statement the session runs now (None: idle, or the session is gone)."""
        ...

    def sees(self, session_id: int) -> bool: ...

    def blockers(self, session_id: int) -> str | None:
        """The sessions the session waits for, as one line (None: it waits for none)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SessionIdentity:
    """A guarded session as the server knows it."""

    session_id: int
    # database, server host, server port: every session of a run must be on the runner's own
    where: tuple[object, ...]
    # the socket its reads wait on, for the watch to cut (None: the driver hides it)
    sock: socket.socket | None
    # which sessions one side connection serves: same server, same login
    side_key: tuple[object, ...]


class LockWait(Protocol):
    """One DDL statement's attempts at its lock (migrator.runtime.statement_retry runs them)."""

    def attempt(self, execute: Callable[[], Any]) -> Any: ...

    def is_timeout(self, exc: BaseException) -> bool: ...

    def retry(self, exc: BaseException, commit_retries: int) -> bool: ...

    def log(self, state: Any) -> None: ...

    def timed_out(self) -> MigratorError:
        """The error that ends the statement once its retries are spent."""
        ...


class DatabaseEngine(Protocol):
    name: str
    # Whether there is a server to wait for, guard and watch (not SQLite: a file on this host).
    has_server: bool
    # Whether a failed revision's statements roll back with its transaction (PostgreSQL), or
    # each DDL statement commits by itself (MySQL).
    ddl_is_transactional: bool
    default_port: int | None

    def connect_args(self, settings: DatabaseSettings) -> dict[str, Any]:
        """The driver's arguments for a bounded connect (and bounded reads where it has them)."""
        ...

    def prepare(self, engine: Engine) -> None:
        """What every connection of the runner's engines gets from this engine (listeners)."""
        ...

    # -- the guarded run (migrator.runtime.run_guard)
    def connect_session(
        self,
        settings: RunnerSettings,
        dialect: Any,
        record: Any,
        cargs: Any,
        cparams: dict[str, Any],
    ) -> Any:
        """A `do_connect` listener's work for a guarded session: its DBAPI connection, or None
        to leave the connect to SQLAlchemy. Keeps what the side connection needs in
        record.info."""
        ...

    def identify_session(
        self, dbapi_connection: Any, record_info: dict[str, Any], lock_wait: int
    ) -> SessionIdentity | None:
        """Give a new session its settings (the lock wait) and say who it is; None: a session
        the guard cannot watch because there is no server (SQLite)."""
        ...

    def side_connection(self, record_info: dict[str, Any]) -> SideConnection: ...

    def statement_commits(self, dbapi_connection: Any) -> bool:
        """Whether a statement that completed on this session is committed work already."""
        ...

    def lock_wait(
        self,
        settings: RunnerSettings,
        session_id: int,
        side: SideConnection,
        dbapi_connection: Any,
        statement: str,
        lock_wait: int,
    ) -> LockWait | None:
        """How a statement's lock waits are retried (None: it is run as usual)."""
        ...

    def set_lock_wait(self, connection: Connection, seconds: int) -> int:
        """Set the session's lock wait; return the one in force before."""
        ...

    # -- waiting for the database (migrator.runtime.wait)
    def is_transient(self, exc: BaseException) -> bool: ...

    def is_refused(self, exc: BaseException) -> bool:
        """The server's port refused the connection (nothing listens there yet)."""
        ...

    def is_starting(self, exc: BaseException) -> bool:
        """The server listens but does not take logins yet (PostgreSQL's 57P03 while it starts
        or recovers): it will in a moment."""
        ...

    def hint_for(self, exc: BaseException) -> str:
        """Which setting to check, never its value."""
        ...

    def is_read_only(self, exc: BaseException) -> bool:
        """A replica, or a primary being failed over: a later run meets the new primary."""
        ...

    # -- the run lock
    def acquire_run_lock(self, connection: Connection, timeout: float) -> str | None:
        """Take the database-scoped migration lock; return its name (None: nothing to release)."""
        ...

    def release_run_lock(self, connection: Connection, name: str | None) -> None: ...

    def still_holds_run_lock(self, connection: Connection, name: str | None) -> bool: ...

    def before_batch(self, connection: Connection) -> None:
        """Set up the next transaction of a batched backfill (migrator.backfill)."""
        ...

    def leftovers(self, connection: Connection) -> list[str]:
        """What a failed revision may leave behind that the server keeps (PostgreSQL's INVALID
        indexes), each as a line for the operator."""
        ...

    # -- lint (migrator.lint reads the catalogue, never the engine)
    def lint_catalogue(self, server_version: int | None = None) -> LintCatalogue:
        """The engine's rules for that major version (None: unknown, offline); a
        ConfigurationError where it has none (lint never calls a revision clean by another
        engine's rules) or the version is one they do not cover."""
        ...

    def server_version(self, connection: Connection) -> int | None:
        """The server's major version, where the engine's lint rules depend on it."""
        ...


# The URL's backend name -> the module whose ENGINE serves it.
_REGISTRY = {
    "mysql": "migrator.engines.mysql.engine",
    "mariadb": "migrator.engines.mysql.engine",
    "postgresql": "migrator.engines.postgresql.engine",
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
        raise ConfigurationError(_missing_driver(exc)) from None


def engine_for(url: URL) -> DatabaseEngine:
    return engine_named(url.get_backend_name())


def engine_named(backend: str) -> DatabaseEngine:
    """The engine for a backend (a URL's, or a dialect's name)."""
    module = _REGISTRY.get(backend)
    if module is None:
        raise ConfigurationError(
            f"the runner has no engine for {backend}:// URLs (it serves "
            f"{', '.join(sorted(_REGISTRY))})"
        )
    try:
        engine: DatabaseEngine = importlib.import_module(module).ENGINE
    except ModuleNotFoundError as exc:
        raise ConfigurationError(_missing_driver(exc)) from None
    return engine


def _missing_driver(exc: ModuleNotFoundError) -> str:
    extra = {"pymysql": "mysql", "psycopg": "postgresql", "asyncpg": "async", "aiomysql": "async"}
    name = (exc.name or "").split(".")[0]
    install = f" (pip install 'safe-migrator[{extra[name]}]')" if name in extra else ""
    return f"the database driver is not installed ({exc.name}){install}; check DATABASE_URL"
