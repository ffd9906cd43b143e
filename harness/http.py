"""A plain HTTP client for tests against a real server: one connection per request."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any


def post_info(base: str, desc: str, timeout: float = 10) -> tuple[int, dict[str, Any]]:
    body = urllib.parse.urlencode({"desc": desc}).encode()
    request = urllib.request.Request(f"{base}/info", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), json.loads(exc.read() or b"{}")


def get_status(base: str, path: str, timeout: float = 10) -> int:
    try:
        with urllib.request.urlopen(f"{base}{path}", timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@dataclass(frozen=True)
class Outcome:
    """One POST /info of a load loop: when it started, how long it took, what it got."""

    started: float
    seconds: float
    status: int  # 0: no HTTP answer at all
    body: dict[str, Any]


class WriteLoad:
    """`clients` threads sending POST /info back to back until stop(), every outcome kept."""

    def __init__(self, base: str, desc: str, clients: int) -> None:
        self.outcomes: list[Outcome] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._post_until_stopped, args=(base, desc))
            for _ in range(clients)
        ]
        for thread in self._threads:
            thread.start()

    def _post_until_stopped(self, base: str, desc: str) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                status, body = post_info(base, desc, timeout=30)
            except OSError:
                status, body = 0, {}
            self.outcomes.append(Outcome(started, time.monotonic() - started, status, body))

    def stop(self) -> list[Outcome]:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        return self.outcomes
