"""SIGTERM/SIGINT: end a wait at once; during an upgrade, cancel the running statement.

Raising from the handler in the middle of a revision could stop it between a committed statement
and its version row, so during an upgrade the handler only records the request. The server
watch (migrator.runtime.server_watch) then cancels the running statement on the server, and the
statement observer (migrator.runtime.statement_observer) refuses to start another one.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from migrator.errors import Terminated

log = logging.getLogger(__name__)

_interruptible = False
_requested: int | None = None
_requested_event = threading.Event()


def _handle(signum: int, _frame: FrameType | None) -> None:
    global _requested
    if _interruptible:
        raise Terminated(signum)
    if _requested is None:
        _requested = signum
        log.warning(
            "%s received during an upgrade: cancelling the running statement",
            signal.Signals(signum).name,
        )
    _requested_event.set()


def install_handlers() -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _handle)


def termination_requested() -> int | None:
    """The signal that asked the migrator to stop during an upgrade, if one did."""
    return _requested


def sleep_unless_terminated(seconds: float) -> None:
    """Sleep, but wake at once when a termination is requested."""
    _requested_event.wait(seconds)


@contextmanager
def interruptible() -> Iterator[None]:
    """Inside this block a signal raises Terminated, even from a blocking socket read."""
    global _interruptible
    previous, _interruptible = _interruptible, True
    try:
        if _requested is not None:
            raise Terminated(_requested)
        yield
    finally:
        _interruptible = previous
