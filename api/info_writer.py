"""The hot path of POST /info: one INSERT on a pooled DBAPI connection.

This is the one place that leaves SQLAlchemy's execution layer, because per request that layer
(Connection, transaction and result objects, reset-on-return) costs more than the INSERT itself.
Connections still come from an engine's pool, so pre-ping, recycle and the behaviour during an
outage are those of every other connection; driver errors are translated to SQLAlchemy's, so
the API's error handling is the same too.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.pool import PoolProxiedConnection

from core.db import create_db_engine
from core.models import SomeInfo
from core.settings import Settings

# Each writer thread keeps its pooled connection while it stays busy, and gives it back to the
# pool once idle for this long. Under load that saves a pool checkout and a pre-ping round trip
# per INSERT; after any pause, the next checkout pre-pings, which is when a connection can have
# gone stale (server wait_timeout, restart, a proxy's idle cut-off).
LEASE_IDLE_SECONDS = 1.0


class _Lease:
    __slots__ = ("connection", "last_used", "taken_at")

    def __init__(self, connection: PoolProxiedConnection) -> None:
        self.connection = connection
        self.taken_at = self.last_used = time.monotonic()


class InfoWriter:
    """Owns an AUTOCOMMIT engine of its own (see core.db.create_db_engine): the INSERT commits by
    itself, so a returned id is durable, and no COMMIT or reset ROLLBACK round trip follows.

    Inserts run on a fixed set of threads of its own (DB_WRITE_THREADS): threads that never
    exit, so each connection a thread keeps is always given back, and few, because every thread
    waiting on the database must win the GIL back from the event loop after each round trip.
    """

    def __init__(self, settings: Settings) -> None:
        self.engine = create_db_engine(
            settings, autocommit=True, pool_size=settings.db_write_threads
        )
        self._executor = ThreadPoolExecutor(
            max_workers=settings.db_write_threads, thread_name_prefix="info-writer"
        )
        compiled = (
            insert(SomeInfo).values(desc=bindparam("desc")).compile(dialect=self.engine.dialect)
        )
        self._sql = str(compiled)
        self._positional = self.engine.dialect.positional
        self._dbapi_error: type[Exception] = self.engine.dialect.loaded_dbapi.Error
        self._recycle = settings.db_pool_recycle
        self._local = threading.local()
        self._leases: set[_Lease] = set()
        self._leases_lock = threading.Lock()

    async def insert(self, desc: str) -> int:
        """Insert one row on a writer thread; return its id once it is committed."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.insert_blocking, desc)

    def insert_blocking(self, desc: str) -> int:
        params: Any = (desc,) if self._positional else {"desc": desc}
        lease = self._lease(params)
        try:
            cursor = lease.connection.cursor()
            try:
                cursor.execute(self._sql, params)
                new_id = cursor.lastrowid
            finally:
                cursor.close()
        except self._dbapi_error as exc:
            self._drop(lease, exc)
            raise self._translated(exc, params) from exc
        lease.last_used = time.monotonic()
        if not isinstance(new_id, int):
            raise RuntimeError("the driver returned no id for the inserted row")
        return new_id

    def _lease(self, params: Any) -> _Lease:
        lease: _Lease | None = getattr(self._local, "lease", None)
        now = time.monotonic()
        if lease is not None and (
            now - lease.last_used > LEASE_IDLE_SECONDS or now - lease.taken_at > self._recycle
        ):
            self._release(lease)
            lease = None
        if lease is None:
            try:
                lease = _Lease(self.engine.raw_connection())
            except self._dbapi_error as exc:
                raise self._translated(exc, params) from exc
            self._local.lease = lease
            with self._leases_lock:
                self._leases.add(lease)
        return lease

    def _drop(self, lease: _Lease, exc: Exception) -> None:
        """After an error, never reuse the connection: a disconnect invalidates it."""
        connection = lease.connection
        if self.engine.dialect.is_disconnect(exc, connection.dbapi_connection, None):  # type: ignore[arg-type]
            connection.invalidate(exc)
        self._release(lease)

    def _release(self, lease: _Lease) -> None:
        self._local.lease = None
        with self._leases_lock:
            self._leases.discard(lease)
        lease.connection.close()

    def _translated(self, exc: Exception, params: Any) -> StatementError:
        return DBAPIError.instance(
            self._sql, params, exc, self._dbapi_error, dialect=self.engine.dialect
        )

    def dispose(self) -> None:
        self._executor.shutdown(wait=True)
        with self._leases_lock:
            leases, self._leases = self._leases, set()
        for lease in leases:
            lease.connection.close()
        self.engine.dispose()
