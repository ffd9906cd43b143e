"""Database work for a request, on a thread, within a time budget that includes the wait for a
thread.

Reads run on a fixed set of threads (api.thread_lanes), one per connection the read pool can
hand out (DB_POOL_SIZE + DB_POOL_MAX_OVERFLOW), so a thread never waits for a connection and
no load starts another thread. A hung server (it accepts connections but answers nothing)
would otherwise hold each request until the driver's read timeout: past the budget the request
answers 503 at once. A call still queued then is never run; one already running finishes on
its own thread when the server answers or the read timeout ends it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.problems import Unavailable
from api.thread_lanes import ThreadLanes

T = TypeVar("T")


class _Abandoned(Exception):
    """The caller was answered before a thread took the call."""


class _Ticket:
    __slots__ = ("abandoned",)

    def __init__(self) -> None:
        self.abandoned = False


class DatabaseCalls:
    def __init__(self, engine: Engine, threads: int, budget: float) -> None:
        self.engine = engine
        self.budget = budget
        self._lanes = ThreadLanes(threads, "db-read")

    async def run(self, work: Callable[[Session], T], *, budget: float | None = None) -> T:
        """`work(session)` in one transaction: committed when it returns, rolled back when it
        raises; Unavailable once `budget` (default DB_REQUEST_TIMEOUT) is spent."""
        seconds = budget or self.budget
        ticket = _Ticket()
        call: Future[T] = self._lanes.submit(self._in_session, work, ticket)
        waiting = asyncio.wrap_future(call)
        try:
            async with asyncio.timeout(seconds):
                return await waiting
        except TimeoutError:
            if not waiting.cancelled():
                raise  # raised by the work itself
            ticket.abandoned = True
            raise Unavailable(
                "database_timeout", f"the database did not answer within {seconds:g} s"
            ) from None

    def _in_session(self, work: Callable[[Session], T], ticket: _Ticket) -> T:
        if ticket.abandoned:
            raise _Abandoned
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            return work(session)

    def close(self, timeout: float) -> None:
        self._lanes.shutdown(timeout)
        self.engine.dispose()
