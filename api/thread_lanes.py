"""A fixed number of daemon threads taking calls from one queue: the only threads the API
starts to wait on the database.

Unlike anyio's thread pool (a new thread per call up to its limiter, with the limiter's token
given back when a timed-out caller abandons a thread that is still blocked), the count never
grows, whatever the load: a call that finds every thread stuck on a hung database waits in the
queue, and its caller's time budget answers it. Daemon threads, so that a thread blocked on a
hung server never holds up the worker's exit; shutdown() waits for them only so long.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
_Call = tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]


class ThreadLanes:
    def __init__(self, threads: int, name: str) -> None:
        self._queue: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._serve, name=f"{name}-{n}", daemon=True)
            for n in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        future: Future[T] = Future()
        self._queue.put((future, fn, args))
        return future

    def _serve(self) -> None:
        while (call := self._queue.get()) is not None:
            future, fn, args = call
            if not future.set_running_or_notify_cancel():
                continue  # its caller gave up while it queued
            try:
                result = fn(*args)
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self, timeout: float) -> bool:
        """Let the threads finish what they run, waiting `timeout` seconds in all; return
        whether all of them did (the rest, blocked on the database, end with the process)."""
        for _ in self._threads:
            self._queue.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads)
