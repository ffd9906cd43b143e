"""The hot path of POST /info: one INSERT on a writer thread's pooled DBAPI connection, within
a time budget.

This is the one place that leaves SQLAlchemy's execution layer, because per request that layer
(Connection, transaction and result objects, reset-on-return) costs more than the INSERT itself.
Driver errors are translated to SQLAlchemy's, so the API's error handling is the same.

Bounds, so that a hung database never holds a request (settings in core/settings.py):
- a write waits at most DB_WRITE_QUEUE_TIMEOUT for a free writer thread: when every thread is
  stuck on the database, new writes fail fast with 503 instead of queueing behind them;
- the whole write answers within DB_REQUEST_TIMEOUT. Past it the answer is 503 and says what
  became of the row: "not_written" when the INSERT was never sent (the thread will not send it
  later), "unknown" when it was sent and the server may still commit it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, StatementError

from api import metrics
from api.connection_leases import ConnectionLeases
from api.problems import SCHEMA_NOT_READY, UNAVAILABLE, Unavailable, WriteFate
from core.db import create_db_engine
from core.db_errors import is_schema_error
from core.models import SomeInfo
from core.settings import Settings


class _Attempt:
    """What one write got to before its answer: never sent, or sent (and maybe lost)."""

    __slots__ = ("abandoned", "lock", "lost", "sent")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent = self.abandoned = self.lost = False

    def mark_sent(self) -> bool:
        """Called on the thread right before the INSERT goes out; False: the answer is gone."""
        with self.lock:
            if not self.abandoned:
                self.sent = True
            return self.sent

    def abandon(self) -> WriteFate:
        with self.lock:
            self.abandoned = True
            return "unknown" if self.sent else "not_written"


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
        self._leases = ConnectionLeases(self.engine, settings.db_pool_recycle)
        self._executor = ThreadPoolExecutor(
            max_workers=settings.db_write_threads, thread_name_prefix="info-writer"
        )
        # One slot per thread: a write holds one until its thread is done, even past its answer.
        self._slots = asyncio.Semaphore(settings.db_write_threads)
        self._budget = settings.db_request_timeout
        self._queue_timeout = settings.db_write_queue_timeout
        compiled = (
            insert(SomeInfo).values(desc=bindparam("desc")).compile(dialect=self.engine.dialect)
        )
        self._sql = str(compiled)
        self._positional = self.engine.dialect.positional
        self._dbapi_error: type[Exception] = self.engine.dialect.loaded_dbapi.Error

    async def insert(self, desc: str) -> int:
        """Insert one row on a writer thread; return its id once it is committed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._budget
        await self._take_slot()
        attempt = _Attempt()
        future = self._executor.submit(self.insert_blocking, desc, attempt)
        try:
            async with asyncio.timeout_at(deadline):
                return await asyncio.wrap_future(future)
        except TimeoutError:
            raise Unavailable(
                "database_timeout",
                f"the database did not answer within DB_REQUEST_TIMEOUT={self._budget:g} s",
                write=attempt.abandon(),
            ) from None
        except DBAPIError as exc:
            if is_schema_error(exc):
                raise Unavailable("schema_not_ready", SCHEMA_NOT_READY, "not_written") from exc
            if not isinstance(exc, OperationalError | InterfaceError):
                raise
            write: WriteFate = "unknown" if attempt.sent and attempt.lost else "not_written"
            raise Unavailable("database_unavailable", UNAVAILABLE, write) from exc
        finally:
            self._give_back_slot(future, loop)

    async def _take_slot(self) -> None:
        if not self._slots.locked():
            await self._slots.acquire()  # a free thread: no wait
        else:
            try:
                with metrics.tracked(metrics.WRITER_QUEUE):
                    async with asyncio.timeout(self._queue_timeout):
                        await self._slots.acquire()
            except TimeoutError:
                raise Unavailable(
                    "writers_busy",
                    "every writer thread is waiting on the database "
                    f"(DB_WRITE_QUEUE_TIMEOUT={self._queue_timeout:g} s); nothing was written",
                    write="not_written",
                ) from None
        metrics.WRITERS_BUSY.inc()

    def _give_back_slot(self, future: Future[int], loop: asyncio.AbstractEventLoop) -> None:
        def give_back() -> None:
            metrics.WRITERS_BUSY.dec()
            self._slots.release()

        if future.done():
            give_back()
        else:  # answered before the thread finished: free the slot when it does
            future.add_done_callback(lambda _: loop.call_soon_threadsafe(give_back))

    def insert_blocking(self, desc: str, attempt: _Attempt) -> int:
        params: Any = (desc,) if self._positional else {"desc": desc}
        try:
            lease = self._leases.get()
        except self._dbapi_error as exc:
            raise self._translated(exc, params) from exc
        try:
            if not attempt.mark_sent():
                raise TimeoutError("answered before the INSERT was sent; not sending it")
            cursor = lease.connection.cursor()
            try:
                cursor.execute(self._sql, params)
                new_id = cursor.lastrowid
            finally:
                cursor.close()
        except self._dbapi_error as exc:
            attempt.lost = self._leases.drop(lease, exc)
            raise self._translated(exc, params) from exc
        lease.last_used = time.monotonic()
        if not isinstance(new_id, int):
            raise RuntimeError("the driver returned no id for the inserted row")
        return new_id

    def _translated(self, exc: Exception, params: Any) -> StatementError:
        return DBAPIError.instance(
            self._sql, params, exc, self._dbapi_error, dialect=self.engine.dialect
        )

    def dispose(self) -> None:
        self._executor.shutdown(wait=True)
        self._leases.close_all()
        self.engine.dispose()
