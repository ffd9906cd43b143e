"""What the run's sessions are doing: the statement each has in flight, and how many of a
revision's statements completed, and of those how many are committed work: a revision that
failed after one of them committed is half-applied. On MySQL that is every one (each DDL
statement commits by itself); on PostgreSQL those run in an autocommit block, and those before
a commit the revision made itself.

Fed by migrator.runtime.run_guard's listeners, which see every statement of every engine while a run
is guarded: the runner's own session and any that env.py opens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from migrator.signals import termination_requested

STATEMENT_SHOWN = 200  # characters of a statement in messages and the history


class StopRequested(Exception):
    """A termination was requested: no further statement of the revision starts, and the
    revision is never recorded applied."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def shorten(statement: str) -> str:
    return " ".join(statement.split())[:STATEMENT_SHOWN]


@dataclass
class InFlight:
    session: int  # the server's id of the session (CONNECTION_ID())
    statement: str
    since: float


class StatementObserver:
    def __init__(self) -> None:
        self.revision: str | None = None
        self.completed = 0
        self.committed = 0
        self._uncommitted = 0  # completed inside the revision's open transaction
        self.last_statement: str | None = None
        self._in_flight: dict[int, InFlight] = {}  # by session id
        self._lock = threading.Lock()

    @contextmanager
    def revision_running(self, revision: str) -> Iterator[None]:
        self.revision, self.completed, self.last_statement = revision, 0, None
        self.committed = self._uncommitted = 0
        try:
            yield
        finally:
            self.revision = None

    def in_flight(self) -> list[InFlight]:
        with self._lock:
            return list(self._in_flight.values())

    def before(self, session: int, statement: str) -> None:
        signum = termination_requested()
        if signum is not None and self.revision is not None:
            raise StopRequested(signum)
        with self._lock:
            self._in_flight[session] = InFlight(session, statement, time.monotonic())
        if self.revision is not None:
            self.last_statement = shorten(statement)

    def after(self, session: int, *, committed: bool = True) -> None:
        with self._lock:
            self._in_flight.pop(session, None)
        if self.revision is not None:
            self.completed += 1
            if committed:
                self.committed += 1
            else:
                self._uncommitted += 1

    def committed_transaction(self) -> None:
        """A guarded session committed while the revision ran (Alembic's autocommit_block
        does, and a revision that calls commit() itself)."""
        if self.revision is not None:
            self.committed += self._uncommitted
            self._uncommitted = 0

    def failed(self, session: int) -> None:
        with self._lock:
            self._in_flight.pop(session, None)
