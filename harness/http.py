"""A plain HTTP client for tests against a real server: one connection per request, and load
generators that cannot outlive the test that started them."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from types import TracebackType
from typing import Any, Self

# A load runs at most this long even if nothing stops it; every request has its own timeout.
MAX_LOAD_SECONDS = 300.0


def post_info(base: str, desc: str, timeout: float = 10) -> tuple[int, dict[str, Any]]:
    body = urllib.parse.urlencode({"desc": desc}).encode()
    request = urllib.request.Request(f"{base}/info", data=body, method="POST")
    return _answer(request, timeout)


def get_json(base: str, path: str, timeout: float = 10) -> tuple[int, dict[str, Any]]:
    return _answer(urllib.request.Request(f"{base}{path}"), timeout)


def _answer(request: urllib.request.Request, timeout: float) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), json.loads(exc.read() or b"{}")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any]


def post_info_answer(base: str, desc: str, timeout: float = 10) -> Answer:
    """POST /info with the answer's headers too (Retry-After)."""
    body = urllib.parse.urlencode({"desc": desc}).encode()
    request = urllib.request.Request(f"{base}/info", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(
                int(response.status), _lower(response.headers), json.loads(response.read())
            )
    except urllib.error.HTTPError as exc:
        return Answer(int(exc.code), _lower(exc.headers), json.loads(exc.read() or b"{}"))


def _lower(headers: Message) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def get_status(base: str, path: str, timeout: float = 10) -> int:
    try:
        with urllib.request.urlopen(f"{base}{path}", timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@dataclass(frozen=True)
class Outcome:
    """One request of a load loop: when it started, how long it took, what it got."""

    started: float
    seconds: float
    status: int  # 0: no HTTP answer at all
    body: dict[str, Any]


class Load:
    """`clients` daemon threads sending `request` back to back, every outcome kept, as a context
    manager: the threads stop when the block ends, however it ends (a failed assertion
    included), and each loop also ends by itself after `max_seconds`. A request that hangs is
    bounded by its own timeout, and being daemons the threads never keep pytest from exiting."""

    def __init__(
        self,
        request: Callable[[], tuple[int, dict[str, Any]]],
        clients: int,
        *,
        max_seconds: float = MAX_LOAD_SECONDS,
    ) -> None:
        self.outcomes: list[Outcome] = []
        self._request = request
        self._max_seconds = max_seconds
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._until_stopped, daemon=True) for _ in range(clients)
        ]

    def __enter__(self) -> Self:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self,
        error_type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        # After a failure the outcomes no longer matter: wait for no request in flight.
        self.stop(timeout=60 if error_type is None else 0.5)

    def _until_stopped(self) -> None:
        ends = time.monotonic() + self._max_seconds
        while not self._stop.is_set() and time.monotonic() < ends:
            started = time.monotonic()
            try:
                status, body = self._request()
            except (OSError, ValueError):
                status, body = 0, {}
            self.outcomes.append(Outcome(started, time.monotonic() - started, status, body))

    def stop(self, timeout: float = 60) -> list[Outcome]:
        """Stop sending; wait up to `timeout` seconds in all for requests in flight."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread.ident is not None:
                thread.join(max(0.0, deadline - time.monotonic()))
        return self.outcomes


class WriteLoad(Load):
    """POST /info back to back."""

    def __init__(
        self,
        base: str,
        desc: str,
        clients: int,
        *,
        request_timeout: float = 30,
        max_seconds: float = MAX_LOAD_SECONDS,
    ) -> None:
        super().__init__(
            lambda: post_info(base, desc, timeout=request_timeout),
            clients,
            max_seconds=max_seconds,
        )


class ReadLoad(Load):
    """GET `path` back to back."""

    def __init__(
        self,
        base: str,
        path: str,
        clients: int,
        *,
        request_timeout: float = 30,
        max_seconds: float = MAX_LOAD_SECONDS,
    ) -> None:
        super().__init__(
            lambda: get_json(base, path, timeout=request_timeout),
            clients,
            max_seconds=max_seconds,
        )
