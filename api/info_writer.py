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
from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy.exc import DBAPIError, StatementError

from api import metrics
from api.connection_leases import ConnectionLeases
from api.problems import Unavailable, WriteFate, database_error
from api.thread_lanes import ThreadLanes
from core.db import create_db_engine
from core.db_errors import ErrorKind, classify
from core.models import SomeInfo
from core.settings import Settings


class _WriteAttempt:
    """One write's way through the writer: queued, started on a thread, INSERT sent (and maybe
    lost), or abandoned because its answer was given first. The lock makes "answered before it
    was sent" and "sent" exclusive, so the 503's `write` is always true, and makes leaving the
    queue happen once, whoever ends it (a thread, a timer, the request's cancellation), so the
    queue-depth gauge cannot drift."""

    __slots__ = (
        "abandoned",
        "answer",
        "connection_lost",
        "lock",
        "queued",
        "sent",
        "started",
        "timer",
    )

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started = self.sent = self.abandoned = self.connection_lost = False
        self.queued = True
        self.answer: Unavailable | None = None
        self.timer: asyncio.TimerHandle | None = None
        metrics.WRITER_QUEUE.inc()

    def _leave_queue(self) -> None:
        if self.queued:
            self.queued = False
            metrics.WRITER_QUEUE.dec()

    def start(self) -> bool:
        """On the thread: False if the write was answered while it queued (then skip it)."""
        with self.lock:
            self._leave_queue()
            self.started = not self.abandoned
            return self.started

    def mark_sent(self) -> bool:
        with self.lock:
            self.sent = not self.abandoned
            return self.sent

    def abandon_if_queued(self) -> bool:
        with self.lock:
            self.abandoned = not self.started
            if self.abandoned:
                self._leave_queue()
            return self.abandoned

    def abandon(self) -> WriteFate:
        with self.lock:
            self.abandoned = True
            self._leave_queue()
            return "unknown" if self.sent else "not_written"


class InfoWriter:
    """Owns an AUTOCOMMIT engine of its own (see core.db.create_db_engine): the INSERT commits by
    itself, so a returned id is durable, and no COMMIT or reset ROLLBACK round trip follows.

    Inserts run on a fixed set of threads of its own (DB_WRITE_THREADS, api.thread_lanes):
    threads that never exit while the app runs, so each connection a thread keeps is always
    given back, and few, because every thread waiting on the database must win the GIL back
    from the event loop after each round trip. Writes queue for the threads, so a thread takes
    the next one without waiting for the event loop; timers on the loop answer those that wait
    too long.

    A failover code (core.db_errors: the server turned read-only) discards the connection that
    saw it and every other connection of the writer's pool, so the next write connects anew.
    """

    def __init__(self, settings: Settings) -> None:
        self.engine = create_db_engine(
            settings, autocommit=True, pool_size=settings.db_write_threads
        )
        self._leases = ConnectionLeases(self.engine, settings.db_pool_recycle)
        self._lanes = ThreadLanes(settings.db_write_threads, "info-writer")
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
        attempt = _WriteAttempt()
        waiting = asyncio.wrap_future(self._lanes.submit(self._run, desc, attempt))
        budget_ends = loop.time() + self._budget
        attempt.timer = loop.call_later(
            self._queue_timeout, self._queue_expired, attempt, waiting, loop, budget_ends
        )
        try:
            return await waiting
        except asyncio.CancelledError:
            if attempt.answer is None:
                attempt.abandon()  # the request itself was cancelled
                raise
            raise attempt.answer from None
        except DBAPIError as exc:
            write: WriteFate = (
                "unknown" if attempt.sent and attempt.connection_lost else "not_written"
            )
            raise database_error(exc, write) from exc
        finally:
            attempt.timer.cancel()

    def _queue_expired(
        self,
        attempt: _WriteAttempt,
        waiting: asyncio.Future[int],
        loop: asyncio.AbstractEventLoop,
        budget_ends: float,
    ) -> None:
        if attempt.abandon_if_queued():
            attempt.answer = Unavailable(
                "writers_busy",
                "every writer thread is waiting on the database "
                f"(DB_WRITE_QUEUE_TIMEOUT={self._queue_timeout:g} s); nothing was written",
                write="not_written",
            )
            waiting.cancel()
        else:
            attempt.timer = loop.call_at(budget_ends, self._budget_spent, attempt, waiting)

    def _budget_spent(self, attempt: _WriteAttempt, waiting: asyncio.Future[int]) -> None:
        attempt.answer = Unavailable(
            "database_timeout",
            f"the database did not answer within DB_REQUEST_TIMEOUT={self._budget:g} s",
            write=attempt.abandon(),
        )
        waiting.cancel()

    def _run(self, desc: str, attempt: _WriteAttempt) -> int:
        if not attempt.start():
            raise TimeoutError("answered while queued; not sending it")
        with metrics.tracked(metrics.WRITERS_BUSY):
            return self.insert_blocking(desc, attempt)

    def insert_blocking(self, desc: str, attempt: _WriteAttempt) -> int:
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
            failover = classify(exc) is ErrorKind.FAILOVER
            attempt.connection_lost = self._leases.drop(lease, exc, failover=failover)
            raise self._translated(exc, params) from exc
        lease.last_used = time.monotonic()
        if not isinstance(new_id, int):
            raise RuntimeError("the driver returned no id for the inserted row")
        return new_id

    def _translated(self, exc: Exception, params: Any) -> StatementError:
        return DBAPIError.instance(
            self._sql, params, exc, self._dbapi_error, dialect=self.engine.dialect
        )

    def dispose(self, timeout: float) -> None:
        """Give the threads `timeout` seconds to finish; a thread still blocked on a hung
        database is left to end with the process (its request was answered already)."""
        if self._lanes.shutdown(timeout):
            self._leases.close_all()
        self.engine.dispose()
