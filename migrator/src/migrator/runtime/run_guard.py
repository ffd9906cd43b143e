"""One rule for a run: safety never depends on which connection env.py picks.

While a run is guarded, every session with a server that any engine of the process opens (the
runner's own, and each one a project's env.py makes, on any driver and transport) is, before
its first statement:
- set up as a DDL session by its database engine (migrator.engines.base): its lock wait
  (MIGRATOR_LOCK_WAIT_TIMEOUT) and no client read timeout; DDL that times out on a lock is
  retried (migrator.runtime.statement_retry);
- checked to be on the same server and database as the runner's own session (where the lock
  and the history are), else the run stops;
- paired with a side connection of the same login, connected at once, that sees it on the
  server: what the server watch pings, cancels and confirms with. A side connection that cannot
  log in, or cannot see the session, stops the run before anything runs on it (exit 14);
- observed: the statement it has in flight, and how many of a revision's statements completed
  and were committed.
The server watch (migrator.runtime.server_watch) runs for the whole run, not only during statements.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, event

from migrator.config.settings import RunnerSettings
from migrator.engines.base import DatabaseEngine, SideConnection, engine_named
from migrator.engines.errors import NoAnswer
from migrator.errors import ConfigurationError, Unprotected
from migrator.lock_wait import set_session_lock_wait
from migrator.runtime.server_watch import ServerWatch
from migrator.runtime.statement_observer import StatementObserver
from migrator.runtime.statement_retry import execute_with_retry

log = logging.getLogger(__name__)

ENGINE_KEY = "migrator.engine"


@dataclass
class GuardedSession:
    session_id: int
    sock: socket.socket | None
    side: SideConnection
    engine: DatabaseEngine
    where: tuple[object, ...] = field(default=())  # database, server host, server port


class RunGuard:
    def __init__(self, settings: RunnerSettings) -> None:
        self.settings = settings
        self.observer = StatementObserver()
        self.watch = ServerWatch(self, settings)
        self._sessions: dict[int, GuardedSession] = {}  # by id() of the DBAPI connection
        self._sides: dict[tuple[object, ...], SideConnection] = {}
        self._lock = threading.Lock()
        self._listeners: list[tuple[Any, str, Callable[..., Any]]] = []

    # -- the run's sessions, as the watch sees them
    def sessions(self) -> list[GuardedSession]:
        with self._lock:
            return list(self._sessions.values())

    def sides(self) -> list[SideConnection]:
        with self._lock:
            return list(self._sides.values())

    def side_for(self, session_id: int) -> SideConnection | None:
        for session in self.sessions():
            if session.session_id == session_id:
                return session.side
        return None

    def session_id(self, dbapi_connection: Any) -> int | None:
        found = self.session(dbapi_connection)
        return found.session_id if found is not None else None

    def session(self, dbapi_connection: Any) -> GuardedSession | None:
        with self._lock:
            return self._sessions.get(id(dbapi_connection))

    # -- the listeners, on every engine of the process while the run lasts
    def __enter__(self) -> RunGuard:
        settings = self.settings

        def do_connect(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
            database = engine_named(dialect.name)
            if not database.has_server:
                return None
            record.info[ENGINE_KEY] = database
            return database.connect_session(settings, dialect, record, cargs, cparams)

        listeners: list[tuple[Any, str, Callable[..., Any]]] = [
            (Engine, "do_connect", do_connect),
            (Engine, "connect", self._register),
            (Engine, "close", self._unregister),
            (Engine, "close_detached", self._unregister),
            (Engine, "before_cursor_execute", self._before),
            (Engine, "after_cursor_execute", self._after),
            (Engine, "handle_error", self._error),
            (Engine, "commit", self._commit),
            (Engine, "do_execute", self._do_execute),
            (Engine, "do_execute_no_params", self._do_execute_no_params),
        ]
        for target, name, listener in listeners:
            event.listen(target, name, listener)
            self._listeners.append((target, name, listener))
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.watch.stop()
        for target, name, listener in reversed(self._listeners):
            event.remove(target, name, listener)
        self._listeners.clear()
        for side in self.sides():
            side.close()
        for session in self.sessions():
            if session.sock is not None:
                session.sock.close()

    def _register(self, dbapi_connection: Any, record: Any) -> None:
        database: DatabaseEngine | None = record.info.get(ENGINE_KEY)
        if database is None:
            return  # SQLite: a file on this host, nothing to freeze or cancel from elsewhere
        timeout = int(self.settings.migrator_lock_wait_timeout)
        identity = database.identify_session(dbapi_connection, record.info, timeout)
        if identity is None:
            return
        set_session_lock_wait(dbapi_connection, timeout)
        where = identity.where
        first = self.sessions()
        if first and first[0].where != where:
            raise ConfigurationError(
                f"env.py connected to database {where[0]!r} on {where[1]}:{where[2]}, but the "
                f"runner guards {first[0].where[0]!r} on {first[0].where[1]}:{first[0].where[2]} "
                "(DATABASE_URL), where its lock and history are: point env.py at "
                "config.get_main_option('sqlalchemy.url'), or run one runner per database"
            )
        side = self._side(database, record.info, identity.side_key, identity.session_id)
        with self._lock:
            self._sessions[id(dbapi_connection)] = GuardedSession(
                identity.session_id, identity.sock, side, database, where
            )
        if len(first) == 0:
            self.watch.start()

    def _unregister(self, dbapi_connection: Any, *_: Any) -> None:
        with self._lock:
            gone = self._sessions.pop(id(dbapi_connection), None)
        if gone is not None and gone.sock is not None:
            gone.sock.close()  # our handle on the socket (the engine's connect_session)

    def _side(
        self,
        database: DatabaseEngine,
        record_info: dict[str, Any],
        key: tuple[object, ...],
        session_id: int,
    ) -> SideConnection:
        with self._lock:
            side = self._sides.get(key)
        if side is None:
            side = database.side_connection(record_info)
            try:
                side.connect()
            except NoAnswer as exc:
                raise Unprotected(
                    f"the server watch cannot connect ({exc}): without it a frozen server or "
                    "SIGTERM could not be handled, so nothing runs (exit 14; is "
                    "max_connections reached?)"
                ) from None
        try:
            visible = side.sees(session_id)
        except NoAnswer as exc:
            raise Unprotected(f"the server watch lost its connection ({exc})") from None
        if not visible:
            side.close()
            raise Unprotected(
                f"the server watch cannot see session {session_id} on the server, so it "
                "could neither cancel its statements nor confirm they ended"
            )
        with self._lock:
            self._sides.setdefault(key, side)
        return side

    def _session_of(self, conn: Any) -> int | None:
        with contextlib.suppress(Exception):
            return self.session_id(conn.connection.dbapi_connection)
        return None

    def _before(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        session = self._session_of(conn)
        if session is not None:
            self.observer.before(session, statement)

    def _after(self, conn: Any, *_: Any) -> None:
        with contextlib.suppress(Exception):
            dbapi_connection = conn.connection.dbapi_connection
            found = self.session(dbapi_connection)
            if found is not None:
                self.observer.after(
                    found.session_id, committed=found.engine.statement_commits(dbapi_connection)
                )

    def _commit(self, conn: Any) -> None:
        if self._session_of(conn) is not None:
            self.observer.committed_transaction()

    def _error(self, context: Any) -> None:
        if context.connection is None:
            return
        session = self._session_of(context.connection)
        if session is not None:
            self.observer.failed(session)

    def _do_execute(self, cursor: Any, statement: str, parameters: Any, context: Any) -> Any:
        dbapi_connection = context.root_connection.connection.dbapi_connection
        found = self.session(dbapi_connection)
        if found is None:
            return None
        return execute_with_retry(
            self.settings,
            found.engine,
            found.session_id,
            found.side,
            cursor,
            statement,
            parameters,
            dbapi_connection,
        )

    def _do_execute_no_params(self, cursor: Any, statement: str, context: Any) -> Any:
        return self._do_execute(cursor, statement, None, context)


@contextlib.contextmanager
def guarded(settings: RunnerSettings) -> Iterator[RunGuard]:
    with RunGuard(settings) as guard:
        yield guard
