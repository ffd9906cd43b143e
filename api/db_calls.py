"""Database work for a request, on a thread, within a time budget that includes the wait for a
thread and a pooled connection.

A hung server (it accepts connections but answers nothing) would otherwise hold each request
until the driver's read timeout. Past the budget the request answers 503 at once; its thread
is abandoned and finishes on its own when the server answers or the read timeout ends it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
from anyio import to_thread
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.problems import Unavailable

T = TypeVar("T")


class DatabaseCalls:
    def __init__(self, engine: Engine, threads: int, budget: float) -> None:
        self.engine = engine
        self.budget = budget
        self._limiter = anyio.CapacityLimiter(threads)

    async def run(self, work: Callable[[Session], T], *, budget: float | None = None) -> T:
        """`work(session)` in one transaction: committed when it returns, rolled back when it
        raises; Unavailable once `budget` (default DB_REQUEST_TIMEOUT) is spent."""
        seconds = budget or self.budget
        try:
            with anyio.fail_after(seconds):
                return await to_thread.run_sync(
                    self._in_session, work, limiter=self._limiter, abandon_on_cancel=True
                )
        except TimeoutError:
            raise Unavailable(
                "database_timeout", f"the database did not answer within {seconds:g} s"
            ) from None

    def _in_session(self, work: Callable[[Session], T]) -> T:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            return work(session)
