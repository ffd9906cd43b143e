"""SIGTERM/SIGINT: end a wait at once, but never interrupt a revision halfway."""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from migrator.errors import Terminated

log = logging.getLogger(__name__)

_interruptible = False


def _handle(signum: int, _frame: FrameType | None) -> None:
    if _interruptible:
        raise Terminated(signum)
    # Raising here could stop a revision between a committed DDL statement and its version row.
    log.warning("%s received during an upgrade; finishing it first", signal.Signals(signum).name)


def install_handlers() -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _handle)


@contextmanager
def interruptible() -> Iterator[None]:
    """Inside this block a signal raises Terminated, even from a blocking socket read."""
    global _interruptible
    previous, _interruptible = _interruptible, True
    try:
        yield
    finally:
        _interruptible = previous
