"""What the DDL session is doing: the statement in flight, and how many of a revision's
statements completed (MySQL commits each DDL statement by itself, so a revision that failed
after one completed is half-applied)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, event

from migrator.signals import termination_requested

STATEMENT_SHOWN = 200  # characters of a statement in messages and the history


class StopRequested(Exception):
    """A termination was requested: no further statement of the revision starts."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def shorten(statement: str) -> str:
    return " ".join(statement.split())[:STATEMENT_SHOWN]


class StatementObserver:
    """Listens to the statements of the connection a revision runs on, while attached."""

    def __init__(self) -> None:
        self.revision: str | None = None
        self.completed = 0
        self.running: str | None = None
        self.running_since: float | None = None
        self.last_statement: str | None = None

    @contextmanager
    def attached(self, connection: Connection) -> Iterator[StatementObserver]:
        listeners: list[tuple[str, Callable[..., None]]] = [
            ("before_cursor_execute", self._before),
            ("after_cursor_execute", self._after),
        ]
        for name, listener in listeners:
            event.listen(connection, name, listener)
        try:
            yield self
        finally:
            for name, listener in listeners:
                event.remove(connection, name, listener)

    @contextmanager
    def revision_running(self, revision: str) -> Iterator[None]:
        self.revision, self.completed, self.last_statement = revision, 0, None
        try:
            yield
        finally:
            self.revision = None

    def _before(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        signum = termination_requested()
        if signum is not None and self.revision is not None:
            raise StopRequested(signum)
        self.running, self.running_since = statement, time.monotonic()
        self.last_statement = shorten(statement)

    def _after(self, *_: Any) -> None:
        if self.revision is not None:
            self.completed += 1
        self.running = self.running_since = None
